import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { Config } from '../../src/config';
import { createLogger, type Logger } from '../../src/log';
import { latestCodeFor } from '../../src/recovery/mail';
import type { AppOverrides } from '../../src/app';
import { InProcessChats, startTestApp, type TestApp, type TestParts } from '../helpers/app';
import { type Availability, TEST_REDIS_URL, deleteKeys, uniquePrefix, waitFor } from '../helpers/redis';

/** One secret for every instance of a test: codes, links and decoys must agree across them. */
export const SHARED_SECRET = 'redis-instances-secret-0123456789-abcdef';

export type Env = Partial<Record<keyof Config, string>>;

/**
 * Several whole apps on one Redis and one outbox folder, as behind a load balancer.
 * The outbox folder belongs to the group (each app's own empty folder is removed on close).
 * `overrides` (a logger, say) and `parts` (one Twilio stand-in) are given to every instance.
 */
export async function startInstances(count: number, env: Env, overrides: AppOverrides = {}, parts: TestParts = {}) {
  const outbox = env.OUTBOX_DIR ?? mkdtempSync(join(tmpdir(), 'iess-shared-outbox-'));
  const shared: Env = { SERVER_SECRET: SHARED_SECRET, ...env, OUTBOX_DIR: outbox };
  // One set of in-process channels for all: every instance reaches a person, as with a real channel.
  const sharedParts: TestParts = { ...parts, chats: parts.chats ?? new InProcessChats() };
  const instances: TestApp[] = [];
  try {
    for (let i = 0; i < count; i += 1) instances.push(await startTestApp(shared, overrides, sharedParts));
    for (const instance of instances) {
      // The Redis client fails fast until it is connected: wait until each instance is ready.
      if (!(await waitFor(async () => (await readiness(instance.url)) === 200, 15_000, 100)))
        throw new Error(`instance ${instance.url} never became ready`);
    }
  } catch (error) {
    await Promise.all(instances.map((i) => i.close()));
    throw error;
  }
  return {
    instances,
    outbox,
    /** Waits until every instance's code emails have reached the shared outbox. */
    async mailSent() {
      await Promise.all(instances.map((i) => i.mailSent()));
    },
    /** The newest code emailed to `email`, whichever instance sent it (a person's `readCode`). */
    async code(email: string): Promise<string> {
      await this.mailSent();
      const code = await latestCodeFor(outbox, email);
      if (!code) throw new Error(`no code for ${email} in the shared outbox`);
      return code;
    },
    async close() {
      await Promise.all(instances.map((i) => i.close()));
      if (!env.OUTBOX_DIR) rmSync(outbox, { recursive: true, force: true });
    },
  };
}

/** /readyz status, or 0 when the server did not answer. */
export async function readiness(baseUrl: string): Promise<number> {
  try {
    const response = await fetch(`${baseUrl}/readyz`, { signal: AbortSignal.timeout(5_000) });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return 0;
  }
}

/** Every key under `prefix` with its remaining life in ms (-1: none, -2: gone), by bounded SCAN. */
export async function keysWithTtl(url: string, prefix: string): Promise<Map<string, number>> {
  const client = new Redis(url, { maxRetriesPerRequest: 1, retryStrategy: () => null });
  client.on('error', () => undefined);
  const found = new Map<string, number>();
  try {
    let cursor = '0';
    for (let round = 0; round < 10_000; round += 1) {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      for (const key of keys) found.set(key, await client.pttl(key));
      cursor = next;
      if (cursor === '0') break;
    }
  } finally {
    client.disconnect();
  }
  return found;
}

/** Every key under `prefix` with what it holds (strings, lists, hashes), as text, for checks of what Redis keeps. */
export async function keysWithContent(url: string, prefix: string): Promise<Map<string, string>> {
  const client = new Redis(url, { maxRetriesPerRequest: 1, retryStrategy: () => null });
  client.on('error', () => undefined);
  const found = new Map<string, string>();
  try {
    for (const key of (await keysWithTtl(url, prefix)).keys()) {
      const type = await client.type(key);
      const content =
        type === 'string'
          ? await client.get(key)
          : type === 'list'
            ? (await client.lrange(key, 0, -1)).join('\n')
            : type === 'hash'
              ? JSON.stringify(await client.hgetall(key))
              : `(${type})`;
      found.set(key, content ?? '');
    }
  } finally {
    client.disconnect();
  }
  return found;
}

/** A logger for every instance of a group that keeps its warnings and errors, to show when a reply does not come. */
export function problemLog(): { log: Logger; problems: string[] } {
  const problems: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      const line = String(chunk);
      if (/"level":(40|50|60)/.test(line)) problems.push(line);
      done();
    },
  });
  return { log: createLogger('warn', sink), problems };
}

export type Group = Awaited<ReturnType<typeof startInstances>>;

/** A store a feature is tried on: memory with one instance, or Redis with two sharing it. */
export interface StoreCase {
  name: string;
  skip: boolean;
  count: number;
  env: () => Env;
}

/** The memory store (one instance) and Redis (two instances; skipped, with the reason, when there is none). */
export function storeCases(label: string, redis: Availability): StoreCase[] {
  return [
    { name: 'the memory store, one instance', skip: false, count: 1, env: () => ({}) },
    {
      name: `Redis, two instances${redis.reason ? ` (skipped: no ${redis.reason})` : ''}`,
      skip: !redis.ok,
      count: 2,
      env: () => ({ REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: uniquePrefix(label) }),
    },
  ];
}

/** Two instances on the tests' Redis for the whole suite, closed and their keys deleted after it; call it inside `describe`. */
export function groupPerSuite(label: string): () => Group {
  const prefix = uniquePrefix(label);
  let group: Group | undefined;
  beforeAll(async () => {
    group = await startInstances(2, { REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: prefix });
  });
  afterAll(async () => {
    await group?.close();
    await deleteKeys(TEST_REDIS_URL, prefix);
  });
  return () => {
    if (!group) throw new Error('the instances start before the suite runs its tests');
    return group;
  };
}

/** Starts the case's instances for a test, with `env` and `parts` added; after each test closes them and deletes their keys. */
export function groupPerTest(store: StoreCase): (env: Env, parts?: TestParts) => Promise<Group> {
  let group: Group | undefined;
  let prefix: string | undefined;
  afterEach(async () => {
    await group?.close();
    if (prefix) await deleteKeys(TEST_REDIS_URL, prefix);
    group = prefix = undefined;
  });
  return async (env, parts) => {
    const e = { ...store.env(), ...env };
    prefix = e.REDIS_KEY_PREFIX;
    group = await startInstances(store.count, e, {}, parts);
    return group;
  };
}
