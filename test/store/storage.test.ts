import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryStorage } from '../../src/store/memoryStorage';
import { RedisStorage } from '../../src/store/redisStorage';
import { TEST_REDIS_URL, deleteKeys, sharedRedis, uniquePrefix } from '../helpers/redis';
import { storageContract } from './storageContract';

const redis = await sharedRedis();
const SECRET = 'storage-test-secret-0123456789-abcdef';

describe('MemoryStorage', () => {
  storageContract(async (ttlMs) => {
    const storage = new MemoryStorage({ ttlMs });
    return { storage, dispose: async () => storage.close() };
  });

  it('forgets an item once its time to live passes on the clock it is given', async () => {
    let now = 1_000;
    const storage = new MemoryStorage({ ttlMs: 24 * 3600_000, now: () => now });
    await storage.write({ conv: { step: 1 } });
    now += 24 * 3600_000 - 1;
    expect((await storage.read(['conv'])).conv.step).toBe(1);
    now += 1;
    expect(await storage.read(['conv'])).toEqual({});
    storage.close();
  });
});

describe.skipIf(!redis.ok)(`RedisStorage${redis.reason ? ` (skipped: no ${redis.reason})` : ''}`, () => {
  const client = new Redis(TEST_REDIS_URL, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  client.on('error', () => undefined);
  const prefixes: string[] = [];
  afterAll(async () => {
    await Promise.all(prefixes.map((p) => deleteKeys(TEST_REDIS_URL, p)));
    client.disconnect();
  });

  const ready = () =>
    client.status === 'ready' ? Promise.resolve() : new Promise<void>((resolve) => client.once('ready', () => resolve()));

  storageContract(async (ttlMs) => {
    await ready();
    const prefix = uniquePrefix('state');
    prefixes.push(prefix);
    return { storage: new RedisStorage(client, { prefix, ttlMs, secret: SECRET }), dispose: () => deleteKeys(TEST_REDIS_URL, prefix) };
  });

  it('keeps no conversation id in clear in Redis, and sets the time to live on every item', async () => {
    await ready();
    const prefix = uniquePrefix('state');
    prefixes.push(prefix);
    const storage = new RedisStorage(client, { prefix, ttlMs: 86_400_000, secret: SECRET });
    const key = 'whatsapp/conversations/whatsapp:+593991234567/';
    await storage.write({ [key]: { step: 1 } });
    const keys = await client.keys(`${prefix}*`);
    expect(keys).toHaveLength(1);
    expect(keys[0]).not.toContain('593991234567');
    // Keyed: a plain hash of a guessed number does not find it.
    expect(keys[0]).not.toContain(createHash('sha256').update(key).digest('base64url').slice(0, 16));
    const otherSecret = new RedisStorage(client, { prefix, ttlMs: 86_400_000, secret: 'another-secret-0123456789-abcdefghij' });
    expect(await otherSecret.read([key])).toEqual({});
    const ttl = await client.pttl(keys[0]);
    expect(ttl).toBeGreaterThan(86_000_000);
    expect(ttl).toBeLessThanOrEqual(86_400_000);
  });

  it('seals what it keeps: no cédula or birth date in clear, and a value that does not open reads as absent', async () => {
    await ready();
    const prefix = uniquePrefix('state');
    prefixes.push(prefix);
    const storage = new RedisStorage(client, { prefix, ttlMs: 60_000, secret: SECRET });
    const document = { identityInputs: { cedula: '1710003763', birth: { day: 19, month: 8 } } };
    await storage.write({ conv: document });
    const [key] = await client.keys(`${prefix}*`);
    const raw = await client.hgetall(key);
    expect(Object.keys(raw).sort()).toEqual(['e', 'v']);
    expect(JSON.stringify(raw)).not.toContain('1710003763');
    expect(raw.v).not.toContain('identityInputs');

    const read = (await storage.read(['conv'])).conv;
    expect(read).toEqual({ ...document, eTag: raw.e });
    // Still compare-and-set on the eTag.
    await storage.write({ conv: { ...read, step: 2 } });
    await expect(storage.write({ conv: { ...read, step: 3 } })).rejects.toThrow(/eTag conflict/);
    expect((await storage.read(['conv'])).conv.step).toBe(2);

    // Sealed under another secret (same key, as if hashed alike), a changed byte, or kept in clear before sealing.
    const otherSecret = new RedisStorage(client, {
      prefix: `${prefix}other:`,
      ttlMs: 60_000,
      secret: 'another-secret-0123456789-abcdefghij',
    });
    await otherSecret.write({ conv: document });
    const [otherKey] = await client.keys(`${prefix}other:*`);
    const current = await client.hget(key, 'v');
    const tampered = Buffer.from(current!, 'base64');
    tampered[tampered.length - 1] ^= 1;
    for (const v of [(await client.hget(otherKey, 'v'))!, tampered.toString('base64'), JSON.stringify(document)]) {
      await client.hset(key, 'v', v);
      expect(await storage.read(['conv'])).toEqual({});
    }
    // Read as absent, the conversation starts over: its write (no eTag) wins.
    await storage.write({ conv: { step: 'again' } });
    expect((await storage.read(['conv'])).conv.step).toBe('again');
  });

  it('shares state between two instances and rejects the slower writer', async () => {
    await ready();
    const prefix = uniquePrefix('state');
    prefixes.push(prefix);
    const other = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
    other.on('error', () => undefined);
    try {
      const instanceA = new RedisStorage(client, { prefix, ttlMs: 60_000, secret: SECRET });
      const instanceB = new RedisStorage(other, { prefix, ttlMs: 60_000, secret: SECRET });
      await instanceA.write({ conv: { step: 'start' } });
      const seenByA = (await instanceA.read(['conv'])).conv;
      const seenByB = (await instanceB.read(['conv'])).conv;
      expect(seenByB).toEqual(seenByA);
      await instanceB.write({ conv: { ...seenByB, step: 'b' } });
      await expect(instanceA.write({ conv: { ...seenByA, step: 'a' } })).rejects.toThrow(/eTag conflict/);
      expect((await instanceA.read(['conv'])).conv.step).toBe('b');
    } finally {
      other.disconnect();
    }
  });
});
