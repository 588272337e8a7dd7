import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../src/config';
import {
  FRESH_SOURCE_TRIES,
  type LimitSource,
  NUMBER_FAILURE_WINDOW_SECONDS,
  createRateLimits,
  limiterStore,
} from '../../src/recovery/limits';

const person = (conversation: string, address?: string): LimitSource => ({ conversation: `webchat:${conversation}`, address });
/** An identity check that matches, or not. */
const matches = async () => 'account' as const;
const mismatch = async () => undefined;

describe('identity checks: firm per source, soft per number', () => {
  const config = testConfig({ LOOKUPS_PER_CONVERSATION_PER_HOUR: '3', LOOKUPS_PER_ADDRESS_PER_HOUR: '5', LOOKUP_FAILURES_PER_NUMBER: '4' });
  const number = 'person:1714307103';

  it('holds each conversation to LOOKUPS_PER_CONVERSATION_PER_HOUR, whatever the numbers', async () => {
    const limits = createRateLimits(config, limiterStore(config));
    const numbers = ['person:1714307103', 'person:0602910945', 'person:0926687856', 'person:0910005917'];
    const verdicts = [];
    for (const n of numbers) verdicts.push(await limits.identityCheck(n, person('stranger'), matches));
    expect(verdicts.slice(0, 3)).toEqual([
      { ok: true, result: 'account' },
      { ok: true, result: 'account' },
      { ok: true, result: 'account' },
    ]);
    const refused = verdicts[3];
    if (refused.ok) throw new Error('the fourth check in one conversation should be refused');
    expect(refused.by).toBe('source');
    expect(refused.retryAfterSeconds).toBeGreaterThan(3500);
    expect(refused.retryAfterSeconds).toBeLessThanOrEqual(3600);
    // The check itself did not run once refused, and another conversation is counted apart.
    let ran = false;
    await limits.identityCheck(number, person('stranger'), async () => ((ran = true), 'account'));
    expect(ran).toBe(false);
    expect(await limits.identityCheck(number, person('owner'), matches)).toEqual({ ok: true, result: 'account' });
  });

  it('holds each client address to LOOKUPS_PER_ADDRESS_PER_HOUR across its conversations', async () => {
    const limits = createRateLimits(config, limiterStore(config));
    const oks = [];
    for (let i = 0; i < 6; i++) oks.push((await limits.identityCheck(`person:n${i}`, person(`c${i}`, '203.0.113.7'), matches)).ok);
    expect(oks).toEqual([true, true, true, true, true, false]);
    expect((await limits.identityCheck('person:n9', person('c9', '198.51.100.2'), matches)).ok).toBe(true);
  });

  it("a stranger's failures on a cédula never keep its owner out of a fresh conversation", async () => {
    const limits = createRateLimits(config, limiterStore(config));
    // A stranger spends the number's failures from two conversations...
    for (const conversation of ['s1', 's1', 's2', 's2']) {
      expect(await limits.identityCheck(number, person(conversation), mismatch)).toEqual({ ok: true, result: undefined });
    }
    // ...and from then on only sources that have not failed on it may try.
    for (const conversation of ['s1', 's2']) {
      const refused = await limits.identityCheck(number, person(conversation), mismatch);
      if (refused.ok) throw new Error(`${conversation} should be refused on a hot number`);
      expect(refused.by).toBe('number');
      // Failures decay quickly: the wait is within the number's short window.
      expect(refused.retryAfterSeconds).toBeLessThanOrEqual(NUMBER_FAILURE_WINDOW_SECONDS);
    }
    // The owner, in a fresh conversation, gets in: a typo first, then the right answers.
    expect(await limits.identityCheck(number, person('owner'), mismatch)).toEqual({ ok: true, result: undefined });
    expect(await limits.identityCheck(number, person('owner'), matches)).toEqual({ ok: true, result: 'account' });
    // Success forgets the number's failures: the owner may check again at once.
    expect((await limits.identityCheck(number, person('owner'), matches)).ok).toBe(true);
  });

  it('a fresh source on a hot number has FRESH_SOURCE_TRIES, not more', async () => {
    const limits = createRateLimits(config, limiterStore(config));
    for (let i = 0; i < 4; i++) await limits.identityCheck(number, person(`s${i}`), mismatch);
    const fresh = [];
    for (let i = 0; i < FRESH_SOURCE_TRIES + 1; i++) fresh.push((await limits.identityCheck(number, person('fresh'), mismatch)).ok);
    expect(fresh).toEqual([...Array(FRESH_SOURCE_TRIES).fill(true), false]);
    // Another number is not hot.
    expect((await limits.identityCheck('person:0602910945', person('s0'), mismatch)).ok).toBe(true);
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
    const codesPrefix = `${prefix}codes:`;
    const config = testConfig({ REDIS_KEY_PREFIX: codesPrefix, CODE_MAX_SENDS_PER_HOUR: '3' });
    const first = createRateLimits(config, limiterStore(config, redis));
    const second = createRateLimits(config, limiterStore(config, redis));
    expect(await first.codeSends.consume('person:1714307103')).toEqual({ ok: true });
    expect(await second.codeSends.consume('person:1714307103')).toEqual({ ok: true });
    expect(await first.codeSends.consume('person:1714307103')).toEqual({ ok: true });
    const fourth = await second.codeSends.consume('person:1714307103');
    if (fourth.ok) throw new Error('the fourth code in an hour should be refused, whichever instance counts it');
    expect(fourth.retryAfterSeconds).toBeGreaterThan(3500);

    const keys = await redis.keys(`${codesPrefix}*`);
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(new RegExp(`^${codesPrefix}rl:codeSend:`));
    expect(keys[0]).not.toContain('1714307103');
    const ttl = await redis.pttl(keys[0]);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(3_600_000);
  });

  it('a stranger on one instance makes the number hot for all, and the owner still gets in on another', async () => {
    const identityPrefix = `${prefix}identity:`;
    const config = testConfig({ REDIS_KEY_PREFIX: identityPrefix, LOOKUP_FAILURES_PER_NUMBER: '3' });
    const [a, b] = [createRateLimits(config, limiterStore(config, redis)), createRateLimits(config, limiterStore(config, redis))];
    const number = 'person:1714307103';
    for (let i = 0; i < 3; i++) await a.identityCheck(number, person('stranger'), mismatch);
    const refused = await b.identityCheck(number, person('stranger'), mismatch);
    if (refused.ok) throw new Error('the stranger should be refused on a hot number');
    expect(refused.by).toBe('number');
    expect(refused.retryAfterSeconds).toBeGreaterThan(NUMBER_FAILURE_WINDOW_SECONDS - 60);
    expect(refused.retryAfterSeconds).toBeLessThanOrEqual(NUMBER_FAILURE_WINDOW_SECONDS);
    expect(await b.identityCheck(number, person('owner'), matches)).toEqual({ ok: true, result: 'account' });
    // The owner's success forgot the failures on every instance: the stranger's conversation may try again.
    expect(await a.identityCheck(number, person('stranger'), mismatch)).toEqual({ ok: true, result: undefined });
    // Nothing in Redis names the number, the conversation or the address.
    const keys = await redis.keys(`${identityPrefix}*`);
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) {
      expect(key).toMatch(new RegExp(`^${identityPrefix}rl:lookup-`));
      expect(key).not.toMatch(/1714307103|stranger|owner/);
    }
  });

  it('a peek counts nothing and, once the day is spent, tells how long to wait', async () => {
    const codesPrefix = `${prefix}peek:`;
    const config = testConfig({ REDIS_KEY_PREFIX: codesPrefix, CODE_FAILURES_PER_DAY: '2' });
    const limits = createRateLimits(config, limiterStore(config, redis));
    expect(await limits.codeFailures.peek('account')).toEqual({ ok: true, used: 0 });
    await limits.codeFailures.consume('account');
    expect(await limits.codeFailures.peek('account')).toEqual({ ok: true, used: 1 });
    await limits.codeFailures.consume('account');
    const spent = await limits.codeFailures.peek('account');
    if (spent.ok) throw new Error('two wrong codes should spend a day of two');
    expect(spent.used).toBe(2);
    expect(spent.retryAfterSeconds).toBeGreaterThan(24 * 3600 - 60);
    expect(spent.retryAfterSeconds).toBeLessThanOrEqual(24 * 3600);
    // Peeking counted nothing: the count is still two.
    expect((await limits.codeFailures.peek('account')).used).toBe(2);
  });
});

describe('rate limits when Redis is down', () => {
  it('refuses identity checks, code sends and code tries (fail closed)', async () => {
    const down = new Redis('redis://127.0.0.1:1', {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    try {
      const limits = createRateLimits(testConfig(), limiterStore(testConfig(), down));
      expect(await limits.codeSends.consume('person:1714307103')).toEqual({ ok: false, retryAfterSeconds: 60 });
      // Identity checks fail closed without running: nothing is counted, so nothing may be guessed.
      let ran = false;
      const check = await limits.identityCheck('person:1714307103', { conversation: 'webchat:c1' }, async () => ((ran = true), 'account'));
      expect(check).toEqual({ ok: false, retryAfterSeconds: 60, by: 'number' });
      expect(ran).toBe(false);
      expect(await limits.codeFailures.peek('account')).toEqual({ ok: false, retryAfterSeconds: 60, used: 0 });
    } finally {
      down.disconnect();
    }
  });
});
