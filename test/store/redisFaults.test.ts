import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../src/config';
import { StoreUnavailableError } from '../../src/errors';
import { type Stores, createStores } from '../../src/store';
import { PrivateRedis, redisServerBinary, waitFor } from '../helpers/redis';

const binary = redisServerBinary();

/**
 * Redis dies and comes back under a running set of stores: every call fails fast and clearly
 * while it is down (codes fail closed, readiness says no), the process keeps running, and
 * everything works again once it returns. Uses its own redis-server, never the shared one.
 */
describe.skipIf(!binary.ok)(`stores when Redis goes away${binary.reason ? ` (skipped: no ${binary.reason})` : ''}`, () => {
  let server: PrivateRedis;
  let stores: Stores;
  const crashes: unknown[] = [];
  const onCrash = (err: unknown) => crashes.push(err);

  beforeAll(async () => {
    process.on('unhandledRejection', onCrash);
    process.on('uncaughtException', onCrash);
    server = await PrivateRedis.start();
    stores = createStores(
      testConfig({
        REDIS_URL: server.url,
        REDIS_KEY_PREFIX: 'fault:',
        REDIS_CONNECT_TIMEOUT_MS: '1000',
        REDIS_COMMAND_TIMEOUT_MS: '1000',
        CONVERSATION_LOCK_WAIT_MS: '500',
      }),
    );
    expect(await waitFor(() => stores.ready(), 10_000)).toBe(true);
  });

  afterAll(async () => {
    await stores?.close();
    await server?.kill();
    process.off('unhandledRejection', onCrash);
    process.off('uncaughtException', onCrash);
  });

  it('works, fails clearly while Redis is down, and recovers by itself', async () => {
    const { kv, storage } = stores;
    // Redis stores always carry the shared lock.
    const lock = stores.lock!;
    expect(stores.kind).toBe('redis');

    // Up: every store works, and a subscription is in place.
    const heard: string[] = [];
    await kv.subscribe('fanout', (m) => heard.push(m));
    await kv.set('k', 'v', 60_000);
    await kv.putSecret('code', { hash: 'right', data: 'd' }, 60_000);
    await storage.write({ conv: { step: 1 } });
    const release = await lock.acquire('conv');
    expect(release).toBeDefined();
    await release?.();
    await kv.publish('fanout', 'before');
    expect(await waitFor(() => heard.includes('before'), 5000)).toBe(true);

    await server.kill();

    // Down: readiness says so, and each operation rejects with a clear error instead of hanging.
    expect(await waitFor(async () => !(await stores.ready()), 10_000)).toBe(true);
    await expect(kv.get('k')).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(kv.set('k', 'w', 60_000)).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(kv.setIfAbsent('dedupe', '1', 60_000)).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(kv.take('link')).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(kv.append('log', 'x', 60_000)).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(kv.publish('fanout', 'lost')).rejects.toBeInstanceOf(StoreUnavailableError);
    // Codes fail closed: no answer is not a yes.
    await expect(kv.attemptSecret('code', 'right', 5)).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(storage.read(['conv'])).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(storage.write({ conv: { step: 2 } })).rejects.toBeInstanceOf(StoreUnavailableError);
    // A turn cannot take its conversation lock, so it does not run unlocked.
    await expect(lock.acquire('conv')).rejects.toBeInstanceOf(StoreUnavailableError);
    // Still failing the same way a while later (no queue building up behind the scenes).
    await expect(kv.get('k')).rejects.toBeInstanceOf(StoreUnavailableError);

    await server.start();

    // Back: the same stores work again without a restart, fan-out included.
    expect(await waitFor(() => stores.ready(), 15_000)).toBe(true);
    await kv.set('k2', 'again', 60_000);
    expect(await kv.get('k2')).toBe('again');
    // The server kept nothing (no persistence): the old code is gone, not accepted.
    expect(await kv.attemptSecret('code', 'right', 5)).toEqual({ result: 'missing' });
    await storage.write({ conv: { step: 3 } });
    expect((await storage.read(['conv'])).conv.step).toBe(3);
    const again = await lock.acquire('conv');
    expect(again).toBeDefined();
    await again?.();
    const resubscribed = await waitFor(
      async () => {
        await kv.publish('fanout', 'after');
        return heard.includes('after');
      },
      10_000,
      200,
    );
    expect(resubscribed).toBe(true);

    expect(crashes).toEqual([]);
  });

  it('fails a subscription fast while Redis is down', async () => {
    await server.kill();
    expect(await waitFor(async () => !(await stores.ready()), 10_000)).toBe(true);
    await expect(stores.kv.subscribe('new-channel', () => undefined)).rejects.toBeInstanceOf(StoreUnavailableError);
    await server.start();
    expect(await waitFor(() => stores.ready(), 15_000)).toBe(true);
    expect(crashes).toEqual([]);
  });
});

describe('stores without Redis', () => {
  it('keep everything in memory and are always ready', async () => {
    const stores = createStores(testConfig());
    expect(stores.kind).toBe('memory');
    expect(stores.redis).toBeUndefined();
    expect(await stores.ready()).toBe(true);
    await stores.storage.write({ conv: { step: 1 } });
    expect((await stores.storage.read(['conv'])).conv.step).toBe(1);
    // One process: the bot's turn queue orders the turns, no lock is taken besides.
    expect(stores.lock).toBeUndefined();
    await stores.close();
  });
});
