import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { RedisKeyValueStore } from '../../src/store/redisKeyValue';

/** The shared test Redis (never stopped by tests); TEST_REDIS_URL may point elsewhere. */
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface Availability {
  ok: boolean;
  /** Why the tests are skipped, shown in the test name. */
  reason?: string;
}

/**
 * Missing parts skip the tests with a visible reason on a laptop, and fail the run on CI
 * (where a skipped Redis test would hide a broken setup).
 */
function verdict(missing: string | undefined): Availability {
  if (!missing) return { ok: true };
  if (process.env.CI) throw new Error(`CI needs ${missing}`);
  console.warn(`[skip] ${missing}`);
  return { ok: false, reason: missing };
}

/** Answers PING within `timeoutMs`? Never retries, never throws. */
export async function redisAnswers(url: string, timeoutMs = 1500): Promise<boolean> {
  const client = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/** Is the shared test Redis there? */
export async function sharedRedis(): Promise<Availability> {
  return verdict((await redisAnswers(TEST_REDIS_URL)) ? undefined : `a Redis server at ${TEST_REDIS_URL}`);
}

/** Can this machine start its own redis-server? */
export function redisServerBinary(): Availability {
  const probe = spawnSync('redis-server', ['--version'], { stdio: 'ignore', timeout: 5000 });
  return verdict(probe.status === 0 ? undefined : 'the redis-server program');
}

/** A key prefix no other test uses. */
export function uniquePrefix(label = 'test'): string {
  return `t:${label}:${randomUUID().slice(0, 8)}:`;
}

/** A client on the shared Redis shaped like production's (no offline queue, short timeouts), once it is ready. */
export async function productionLikeClient(): Promise<Redis> {
  const client = new Redis(TEST_REDIS_URL, { enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 5000 });
  client.on('error', () => undefined);
  if (client.status !== 'ready') await new Promise((resolve) => client.once('ready', resolve));
  return client;
}

/** A key-value store on the shared Redis under a prefix of its own; `dispose` deletes its keys and closes its client. */
export async function redisKeyValueStore(
  label: string,
): Promise<{ store: RedisKeyValueStore; client: Redis; prefix: string; dispose: () => Promise<void> }> {
  const client = await productionLikeClient();
  const prefix = uniquePrefix(label);
  const store = new RedisKeyValueStore(client, { prefix });
  return {
    store,
    client,
    prefix,
    async dispose() {
      await store.close();
      await deleteKeys(TEST_REDIS_URL, prefix);
      client.disconnect();
    },
  };
}

/** Deletes every key under `prefix` on the shared Redis (bounded SCAN). */
export async function deleteKeys(url: string, prefix: string): Promise<void> {
  const client = new Redis(url, { maxRetriesPerRequest: 1, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    let cursor = '0';
    for (let round = 0; round < 10_000; round += 1) {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      if (keys.length > 0) await client.del(...keys);
      cursor = next;
      if (cursor === '0') break;
    }
  } finally {
    client.disconnect();
  }
}

/** A port nobody listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Polls `check` every `everyMs` until it is true or `timeoutMs` passes; returns the last answer. */
export async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs = 10_000, everyMs = 50): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(everyMs);
  }
}

/**
 * A private redis-server on a free port, with no persistence, that a test may kill and
 * start again (on the same port). The machine's shared Redis is never touched.
 */
export class PrivateRedis {
  private process?: ChildProcess;

  private constructor(
    readonly port: number,
    private readonly cleanup?: () => void,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async start(): Promise<PrivateRedis> {
    const server = new PrivateRedis(await freePort());
    await server.start();
    return server;
  }

  /** A Sentinel (its own process, on its own free port) watching this server as `masterName`. */
  async startSentinel(masterName: string): Promise<PrivateRedis> {
    const folder = mkdtempSync(join(tmpdir(), 'iess-sentinel-'));
    const file = join(folder, 'sentinel.conf');
    const sentinel = new PrivateRedis(await freePort(), () => rmSync(folder, { recursive: true, force: true }));
    // Sentinel rewrites its configuration file, so it gets a private writable one.
    writeFileSync(
      file,
      [`port ${sentinel.port}`, 'bind 127.0.0.1', `dir ${folder}`, `sentinel monitor ${masterName} 127.0.0.1 ${this.port} 1`, ''].join(
        '\n',
      ),
    );
    sentinel.args = [file, '--sentinel'];
    await sentinel.start();
    return sentinel;
  }

  /** A node with cluster mode on, in its own folder (it writes nodes.conf); joined by `createCluster`. */
  static async startClusterNode(): Promise<PrivateRedis> {
    const folder = mkdtempSync(join(tmpdir(), 'iess-cluster-'));
    const node = new PrivateRedis(await freePort(), () => rmSync(folder, { recursive: true, force: true }));
    node.args = [...node.args, '--cluster-enabled', 'yes', '--cluster-config-file', join(folder, 'nodes.conf'), '--dir', folder];
    await node.start();
    return node;
  }

  private args = ['--save', '', '--appendonly', 'no'];

  /** Starts (or starts again) and waits until it answers; throws after 10 s. */
  async start(): Promise<void> {
    if (this.process) return;
    const args = this.args[0]?.endsWith('.conf') ? this.args : ['--port', String(this.port), '--bind', '127.0.0.1', ...this.args];
    const child = spawn('redis-server', args, { stdio: 'ignore' });
    child.once('exit', () => {
      if (this.process === child) this.process = undefined;
    });
    this.process = child;
    if (!(await waitFor(() => redisAnswers(this.url, 500), 10_000, 100))) {
      await this.kill();
      throw new Error(`redis-server did not start on port ${this.port}`);
    }
  }

  /** Stops the server without closing a connection (SIGSTOP): every command waits, none is answered. */
  freeze(): void {
    if (this.process?.pid) process.kill(this.process.pid, 'SIGSTOP');
  }

  /** Lets a frozen server go on (SIGCONT); harmless when it is not frozen. */
  thaw(): void {
    if (this.process?.pid) process.kill(this.process.pid, 'SIGCONT');
  }

  /** Kills at once (SIGKILL, no goodbye to clients) and waits for the exit, up to 5 s. */
  async kill(): Promise<void> {
    const child = this.process;
    if (!child) return;
    this.process = undefined;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await Promise.race([exited, sleep(5000)]);
    this.cleanup?.();
  }
}

/** Joins cluster-mode nodes into one cluster (all masters) and waits until it serves every slot. */
export async function createCluster(nodes: PrivateRedis[]): Promise<void> {
  const addresses = nodes.map((n) => `127.0.0.1:${n.port}`);
  await new Promise<void>((resolve, reject) => {
    const cli = spawn('redis-cli', ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes'], { stdio: 'ignore' });
    cli.once('error', reject);
    cli.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`redis-cli --cluster create exited ${code}`))));
  });
  const client = new Redis(nodes[0].url);
  try {
    const ok = await waitFor(async () => /cluster_state:ok/.test(await client.cluster('INFO')), 15_000, 100);
    if (!ok) throw new Error('the cluster never reached cluster_state:ok');
  } finally {
    client.disconnect();
  }
}
