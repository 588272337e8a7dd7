import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config';

const ROOT = join(__dirname, '..', '..');
const refusal = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('the configuration was accepted');
};

describe('variables with a grammar of their own', () => {
  it('tells to quote AGENTS when the shell ate the $ parts of the hash', () => {
    // What `AGENTS=ana:scrypt$32768$8$1$salt$hash` becomes in a shell without quotes.
    expect(refusal({ AGENTS: 'ana:scrypt2768' })).toMatch(/AGENTS: .*single quotes/);
    expect(refusal({ AGENTS: 'Ana Pérez:scrypt$1$2$3$x$y' })).toMatch(/AGENTS: bad agent name/);
  });

  it('names SERVICE_HOURS and TIMEZONE mistakes', () => {
    expect(refusal({ SERVICE_HOURS: 'weekdays 8 to 4' })).toMatch(/SERVICE_HOURS/);
    expect(refusal({ TIMEZONE: 'Quito' })).toMatch(/SERVICE_HOURS: "Quito" is not a time zone/);
  });

  it('parses the web chat origins and refuses one that is not a site address', () => {
    expect(
      loadConfig({ WEBCHAT_ALLOWED_ORIGINS: ' https://www.ejemplo.gob.ec/chat , http://localhost:8080 ' }).WEBCHAT_ALLOWED_ORIGINS,
    ).toEqual(['https://www.ejemplo.gob.ec', 'http://localhost:8080']);
    expect(refusal({ WEBCHAT_ALLOWED_ORIGINS: 'https://ok.example, not a url' })).toMatch(/WEBCHAT_ALLOWED_ORIGINS: "not a url"/);
  });

  it('parses the Redis host lists, with default ports', () => {
    expect(loadConfig({ REDIS_SENTINELS: '10.0.0.1, 10.0.0.2:26380' }).REDIS_SENTINELS).toEqual([
      { host: '10.0.0.1', port: 26379 },
      { host: '10.0.0.2', port: 26380 },
    ]);
    expect(loadConfig({ REDIS_CLUSTER_NODES: '' }).REDIS_CLUSTER_NODES).toBeUndefined();
    expect(refusal({ REDIS_CLUSTER_NODES: 'redis-1:70000' })).toMatch(/REDIS_CLUSTER_NODES: "redis-1:70000" is not host:port/);
  });
});

describe('the entry point', () => {
  it('reads .env from the working folder, lets the environment win, and exits 1 naming a bad value', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iess-dotenv-'));
    writeFileSync(join(dir, '.env'), 'PORT=3978\nCODE_MAX_TRIES=many\n');
    const child = spawn(process.execPath, ['--import', require.resolve('tsx'), join(ROOT, 'src/index.ts')], {
      cwd: dir,
      env: { ...process.env, PORT: 'from-the-environment' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(1);
    expect(stderr).toMatch(/CODE_MAX_TRIES/);
    expect(stderr).toMatch(/PORT/);
    expect(stderr).not.toMatch(/at .*\.ts:\d+/);
  }, 60_000);
});
