import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryKeyValueStore } from '../../src/store/memoryKeyValue';
import { RedisKeyValueStore } from '../../src/store/redisKeyValue';
import { productionLikeClient, redisKeyValueStore, sharedRedis, uniquePrefix, waitFor } from '../helpers/redis';
import { keyValueContract } from './keyValueContract';

const redis = await sharedRedis();

describe('MemoryKeyValueStore', () => {
  keyValueContract(async () => {
    const store = new MemoryKeyValueStore();
    return { store, dispose: () => store.close() };
  });
});

describe.skipIf(!redis.ok)(`RedisKeyValueStore${redis.reason ? ` (skipped: no ${redis.reason})` : ''}`, () => {
  const clients: Redis[] = [];
  afterAll(() => clients.forEach((c) => c.disconnect()));

  keyValueContract(() => redisKeyValueStore('kv'));

  it('fans a message out to another instance sharing the prefix, and not to another prefix', async () => {
    const prefix = uniquePrefix('fanout');
    const [a, b, c] = await Promise.all([1, 2, 3].map(() => productionLikeClient()));
    clients.push(a, b, c);
    const instanceA = new RedisKeyValueStore(a, { prefix });
    const instanceB = new RedisKeyValueStore(b, { prefix });
    const stranger = new RedisKeyValueStore(c, { prefix: uniquePrefix('fanout') });
    const seenByB: string[] = [];
    const seenByStranger: string[] = [];
    await instanceB.subscribe('conv:1', (m) => seenByB.push(m));
    await stranger.subscribe('conv:1', (m) => seenByStranger.push(m));

    await instanceA.publish('conv:1', 'activity');
    expect(await waitFor(() => seenByB.length === 1, 5000)).toBe(true);
    expect(seenByB).toEqual(['activity']);
    // A message to B's channel was delivered; the stranger's would have arrived by now too.
    await instanceA.publish('conv:1', 'second');
    expect(await waitFor(() => seenByB.length === 2, 5000)).toBe(true);
    expect(seenByStranger).toEqual([]);

    await Promise.all([instanceA.close(), instanceB.close(), stranger.close()]);
  });

  it('keeps every key under its prefix', async () => {
    const { store, client, prefix, dispose } = await redisKeyValueStore('prefix');
    await store.set('plain', 'v', 60_000);
    await store.putSecret('secret', { hash: 'h', data: 'd' }, 60_000);
    await store.append('list', 'x', 60_000);
    const keys = (await client.keys(`${prefix}*`)).sort();
    expect(keys).toEqual([`${prefix}list`, `${prefix}plain`, `${prefix}secret`]);
    const ttl = await client.pttl(`${prefix}secret`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
    await dispose();
  });
});
