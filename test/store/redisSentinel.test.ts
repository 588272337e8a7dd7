import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../src/config';
import { type Stores, createStores } from '../../src/store';
import { PrivateRedis, redisServerBinary, waitFor } from '../helpers/redis';

const binary = redisServerBinary();

/** REDIS_SENTINELS: the stores find the master through a real Sentinel and work on it. */
describe.skipIf(!binary.ok)(`stores through Redis Sentinel${binary.reason ? ` (skipped: no ${binary.reason})` : ''}`, () => {
  let master: PrivateRedis;
  let sentinel: PrivateRedis;
  let stores: Stores;

  beforeAll(async () => {
    master = await PrivateRedis.start();
    sentinel = await master.startSentinel('iessmaster');
    stores = createStores(
      testConfig({ REDIS_SENTINELS: `127.0.0.1:${sentinel.port}`, REDIS_SENTINEL_NAME: 'iessmaster', REDIS_KEY_PREFIX: 's:' }),
    );
  });

  afterAll(async () => {
    await stores?.close();
    await sentinel?.kill();
    await master?.kill();
  });

  it('reaches the master named by the Sentinel', async () => {
    expect(await waitFor(() => stores.ready(), 10_000)).toBe(true);
    expect(stores.kind).toBe('redis');
    await stores.kv.set('greeting', 'hola', 60_000);
    await stores.storage.write({ conv: { step: 1 } });
    // Read back straight from the master: the data went where the Sentinel pointed.
    const direct = await import('ioredis').then(({ Redis }) => new Redis(master.url));
    try {
      expect(await direct.get('s:greeting')).toBe('hola');
      expect(await direct.keys('s:state:*')).toHaveLength(1);
    } finally {
      direct.disconnect();
    }
    expect((await stores.storage.read(['conv'])).conv.step).toBe(1);
  });
});
