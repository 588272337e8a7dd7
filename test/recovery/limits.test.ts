import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../src/config';
import { createRateLimits } from '../../src/recovery/limits';

describe('rate limits in memory', () => {
  it('allows LOOKUPS_PER_NUMBER_PER_HOUR per number, then says how long to wait', async () => {
    const limits = createRateLimits(testConfig({ LOOKUPS_PER_NUMBER_PER_HOUR: '3' }));
    const verdicts = [];
    for (let i = 0; i < 4; i++) verdicts.push(await limits.consume('lookup', 'person:1714307103'));
    expect(verdicts.slice(0, 3)).toEqual([{ ok: true }, { ok: true }, { ok: true }]);
    const blocked = verdicts[3];
    if (blocked.ok) throw new Error('the fourth lookup should be refused');
    expect(blocked.retryAfterSeconds).toBeGreaterThan(3500);
    expect(blocked.retryAfterSeconds).toBeLessThanOrEqual(3600);
    // Another number, and another kind of limit, are counted apart.
    expect(await limits.consume('lookup', 'person:0602910945')).toEqual({ ok: true });
    expect(await limits.consume('codeSend', 'person:1714307103')).toEqual({ ok: true });
  });

  it('limits messages per conversation per minute', async () => {
    const limits = createRateLimits(testConfig({ MESSAGES_PER_CONVERSATION_PER_MINUTE: '2' }));
    expect(await limits.consume('message', 'conv-1')).toEqual({ ok: true });
    expect(await limits.consume('message', 'conv-1')).toEqual({ ok: true });
    const third = await limits.consume('message', 'conv-1');
    expect(third.ok).toBe(false);
    if (!third.ok) expect(third.retryAfterSeconds).toBeLessThanOrEqual(60);
    expect(await limits.consume('message', 'conv-2')).toEqual({ ok: true });
  });
});

const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const redisAvailable = await (async () => {
  const probe = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
})();
if (!redisAvailable && process.env.CI) throw new Error(`Redis is required in CI (${redisUrl})`);

describe.skipIf(!redisAvailable)('rate limits on Redis (skipped when no Redis answers at 127.0.0.1:6379)', () => {
  const prefix = `test:limits:${randomBytes(6).toString('hex')}:`;
  let redis: Redis;
  beforeAll(async () => {
    redis = new Redis(redisUrl);
    // The limiters refuse while the client is still connecting (see limits.ts).
    await redis.ping();
  });
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  it('counts across instances that share Redis, under hashed keys', async () => {
    const config = testConfig({ REDIS_KEY_PREFIX: prefix, CODE_MAX_SENDS_PER_HOUR: '3' });
    const first = createRateLimits(config, redis);
    const second = createRateLimits(config, redis);
    expect(await first.consume('codeSend', 'person:1714307103')).toEqual({ ok: true });
    expect(await second.consume('codeSend', 'person:1714307103')).toEqual({ ok: true });
    expect(await first.consume('codeSend', 'person:1714307103')).toEqual({ ok: true });
    const fourth = await second.consume('codeSend', 'person:1714307103');
    expect(fourth.ok).toBe(false);
    if (!fourth.ok) expect(fourth.retryAfterSeconds).toBeGreaterThan(3500);

    const keys = await redis.keys(`${prefix}*`);
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(new RegExp(`^${prefix}rl:codeSend:`));
    expect(keys[0]).not.toContain('1714307103');
    const ttl = await redis.pttl(keys[0]);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(3_600_000);
  });
});

describe('rate limits when Redis is down', () => {
  it('refuses lookups and code sends (fail closed) but lets messages through', async () => {
    const down = new Redis('redis://127.0.0.1:1', {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    try {
      const limits = createRateLimits(testConfig(), down);
      expect(await limits.consume('codeSend', 'person:1714307103')).toEqual({ ok: false, retryAfterSeconds: 60 });
      expect(await limits.consume('lookup', 'person:1714307103')).toEqual({ ok: false, retryAfterSeconds: 60 });
      expect(await limits.consume('message', 'conv-1')).toEqual({ ok: true });
    } finally {
      down.disconnect();
    }
  });
});
