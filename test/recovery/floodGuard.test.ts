import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFloodGuard, MAX_KEYS } from '../../src/recovery/floodGuard';
import { keyedHash } from '../../src/hashing';
import type { LimiterStore } from '../../src/recovery/limits';
import { TEST_REDIS_URL, deleteKeys, productionLikeClient, sharedRedis, uniquePrefix } from '../helpers/redis';

const redisUp = await sharedRedis();
const secret = 'flood-guard-test-secret-0123456789abcdef';
const rule = { name: 'address', points: 5, durationSeconds: 60 };
const address = '203.0.113.9';

/** A client whose Redis never answers: every command fails at once. */
function unreachable(): Redis {
  const down = new Redis('redis://127.0.0.1:1', {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  down.on('error', () => undefined);
  return down;
}

const oks = async (guard: ReturnType<typeof createFloodGuard>, key: string, times: number) => {
  const verdicts = [];
  for (let i = 0; i < times; i++) verdicts.push((await guard.consume(key)).ok);
  return verdicts;
};

describe('the flood guard without Redis (one instance)', () => {
  it('lets `points` through per key and window, then refuses with the wait', async () => {
    const guard = createFloodGuard(rule, { secret, keyPrefix: '' });
    expect(await oks(guard, address, 6)).toEqual([true, true, true, true, true, false]);
    const refused = await guard.consume(address);
    expect(refused.ok ? 0 : refused.retryAfterSeconds).toBeGreaterThan(55);
    expect((await guard.consume('198.51.100.1')).ok).toBe(true);
  });
});

describe('the flood guard when Redis does not answer', () => {
  const down = unreachable();
  afterAll(() => down.disconnect());

  it('counts in this instance: exact per window, a new window after the old one ends', async () => {
    let clock = 1_000_000;
    const guard = createFloodGuard(rule, { secret, keyPrefix: 'x:', redis: down }, () => clock);
    expect(await oks(guard, address, 3)).toEqual([true, true, true]);
    // The counts that failed to reach Redis stay counted here.
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(await oks(guard, address, 3)).toEqual([true, true, false]);
    clock += 60_001;
    expect(await oks(guard, address, 5)).toEqual([true, true, true, true, true]);
  });

  it('forgets the oldest keys rather than grow past MAX_KEYS', async () => {
    const guard = createFloodGuard(rule, { secret, keyPrefix: 'x:', redis: down });
    expect(await oks(guard, address, 6)).toEqual([true, true, true, true, true, false]);
    for (let i = 0; i < MAX_KEYS; i++) await guard.consume(`2001:db8::${i.toString(16)}`);
    // The first key's window was among the oldest dropped: it counts from zero again.
    expect((await guard.consume(address)).ok).toBe(true);
  });
});

describe.skipIf(!redisUp.ok)(`the flood guard on Redis${redisUp.reason ? ` (skipped: no ${redisUp.reason})` : ''}`, () => {
  const prefix = uniquePrefix('flood');
  let first: Redis;
  let second: Redis;
  const counter = `${prefix}rl:address:${keyedHash(secret, 'limit:address', address)}`;
  const store = (redis: Redis): LimiterStore => ({ secret, keyPrefix: prefix, redis });
  const shared = async () => Number(await first.get(counter));

  beforeAll(async () => {
    [first, second] = await Promise.all([productionLikeClient(), productionLikeClient()]);
  });
  afterAll(async () => {
    first.disconnect();
    second.disconnect();
    await deleteKeys(TEST_REDIS_URL, prefix);
  });

  it('sends one count per key and flush, with the window, and two instances end up refusing together', async () => {
    const a = createFloodGuard(rule, store(first));
    const b = createFloodGuard(rule, store(second));
    // Within one instance the limit is exact, and the counts reach Redis together.
    expect(await oks(a, address, 6)).toEqual([true, true, true, true, true, false]);
    await expect.poll(shared).toBe(5);
    const ttl = await first.pttl(counter);
    expect(ttl).toBeGreaterThan(55_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
    // The other instance has not heard yet: one more gets through there, then it hears the total.
    expect((await b.consume(address)).ok).toBe(true);
    await expect.poll(shared).toBe(6);
    // ...once its own command's answer has come back.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const refused = await b.consume(address);
    expect(refused.ok).toBe(false);
    expect(refused.ok ? 0 : refused.retryAfterSeconds).toBeGreaterThan(55);
    // Another address is counted apart, on both.
    expect((await b.consume('198.51.100.7')).ok).toBe(true);
  });
});
