import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { botFrameworkMessage } from '../helpers/activity';

/**
 * The production install: the compiled tree with `npm ci --omit=dev` (no TypeScript, no tsx,
 * no test tools) starts with plain node and holds a conversation. Any devDependency loaded at
 * run time would be missing here and fail the start or the turn.
 * It installs packages (from npm's cache when it can), so it runs on CI and, on a laptop,
 * with PRODUCTION_SMOKE=1.
 */
const ROOT = join(__dirname, '..', '..');
const wanted = Boolean(process.env.CI || process.env.PRODUCTION_SMOKE);
if (!wanted) console.warn('[skip] the production install smoke test (set PRODUCTION_SMOKE=1 or CI)');

describe.skipIf(!wanted)('a production install (npm ci --omit=dev on the built tree)', () => {
  let dir: string;
  let server: ChildProcess | undefined;
  let url: string;
  let stderr = '';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'iess-prod-'));
    const tracked = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' })
      .split('\0')
      .filter(Boolean);
    for (const file of tracked.filter((f) => !f.startsWith('test/'))) cpSync(join(ROOT, file), join(dir, file));
    const dist = join(dir, 'dist');
    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
    execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', dist, '--tsBuildInfoFile', join(dist, '.tsbuildinfo')], {
      cwd: ROOT,
      stdio: 'inherit',
    });
    execFileSync('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: dir, stdio: 'ignore' });

    server = spawn('npm', ['start', '--silent'], {
      cwd: dir,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: '0', LOG_LEVEL: 'info', OUTBOX_DIR: join(dir, 'outbox') },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group: npm starts a shell that starts node, and all three must stop together.
      detached: true,
    });
    let stdout = '';
    server.stdout!.on('data', (d) => (stdout += d));
    server.stderr!.on('data', (d) => (stderr += d));
    url = await new Promise<string>((resolve, reject) => {
      const listening = () => {
        const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
        if (match) resolve(match[1]);
      };
      server!.stdout!.on('data', listening);
      server!.once('exit', (code) => reject(new Error(`the server exited (${code}): ${stderr}`)));
    });
  }, 900_000);

  afterAll(() => {
    if (server?.pid) process.kill(-server.pid, 'SIGKILL');
    // A whole node_modules: removed in the background so the run does not wait for it.
    if (dir) spawn('rm', ['-rf', dir], { detached: true, stdio: 'ignore' }).unref();
  });

  it('has no development tool installed', () => {
    // TypeScript itself may be there: i18next names it as a peer, and npm installs peers.
    for (const tool of ['tsx', 'vitest', 'playwright-core', 'smtp-server', 'botframework-directlinejs']) {
      expect(() => require.resolve(tool, { paths: [dir] }), tool).toThrow();
    }
  });

  it('answers health, readiness and a whole turn, with no warning printed', async () => {
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    const reply = await fetch(`${url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(botFrameworkMessage({ text: 'hola, olvide mi clave' })),
    });
    expect(reply.status).toBe(200);
    const body = (await reply.json()) as { activities: Array<{ text?: string }> };
    expect(body.activities.map((a) => a.text ?? '').join(' ')).toMatch(/c[ée]dula/i);
    expect(stderr).not.toMatch(/Warning/);
  });
});
