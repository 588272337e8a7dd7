import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { INTENTS } from '../../src/nlu/intents';

const root = join(__dirname, '..', '..');

/** Runs the CLI as a person would, feeding `input` on stdin; killed if it hangs. */
function runCli(args: string[], input: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    // `npm run intent` runs it through tsx; node loads tsx itself, without npx and tsx's own second process.
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/nlu/cli.ts', ...args], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    // Training takes seconds alone and far longer while the whole suite runs beside it.
    const timer = setTimeout(() => child.kill('SIGKILL'), 100_000);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input);
  });
}

function parseLines(stdout: string): { text: string; intent: string; score: number }[] {
  return stdout
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line));
}

describe('npm run intent', { timeout: 120_000 }, () => {
  it('prints one JSON line per input line, Spanish by default', async () => {
    const { code, stdout } = await runCli([], 'olvide mi clave\n\n1714307103\nchuta no me llega el codigo\njuan perez');
    expect(code).toBe(0);
    const rows = parseLines(stdout);
    expect(rows.map((r) => [r.text, r.intent])).toEqual([
      ['olvide mi clave', 'recover_key'],
      ['1714307103', 'none'],
      ['chuta no me llega el codigo', 'code_not_received'],
      ['juan perez', 'none'],
    ]);
    for (const row of rows) {
      expect(Object.keys(row)).toEqual(['text', 'intent', 'score']);
      expect(INTENTS).toContain(row.intent);
      expect(Math.round(row.score * 1000) / 1000).toBe(row.score);
    }
  });

  it('understands English with --locale en', async () => {
    const { code, stdout } = await runCli(['--locale', 'en'], 'I forgot my password\nthank you\n');
    expect(code).toBe(0);
    expect(parseLines(stdout).map((r) => r.intent)).toEqual(['recover_key', 'thanks']);
  });

  it('refuses an unknown locale without printing on stdout', async () => {
    const { code, stdout, stderr } = await runCli(['--locale', 'fr'], 'hola\n');
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('usage');
  });
});
