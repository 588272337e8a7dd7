import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { type ConversationLock, createRedisLock } from '../../src/store/conversationLock';
import { MemoryKeyValueStore } from '../../src/store/memoryKeyValue';
import { RedisKeyValueStore } from '../../src/store/redisKeyValue';
import type { KeyValueStore } from '../../src/store/keyValue';
import { TEST_REDIS_URL, deleteKeys, sharedRedis, uniquePrefix } from '../helpers/redis';
import { until } from '../helpers/wait';

const redis = await sharedRedis();
/** Lock keys are keyed hashes of the conversation id. */
const SECRET = 'lock-test-secret-0123456789-abcdefgh';

/** Refusals: tries to take a lock that found it held, the events a test waits for instead of a time. */
function refusalCounter() {
  let refusals = 0;
  /** `store`, counting its refused SET NX. */
  const counting = (store: KeyValueStore): KeyValueStore =>
    new Proxy(store, {
      get(target, name) {
        if (name === 'setIfAbsent')
          return async (key: string, value: string, ttlMs: number) => {
            const taken = await target.setIfAbsent(key, value, ttlMs);
            if (!taken) refusals += 1;
            return taken;
          };
        const member = Reflect.get(target, name);
        return typeof member === 'function' ? member.bind(target) : member;
      },
    });
  return { counting, refusals: () => refusals };
}

interface LockFactory {
  /** Locks that share one backing store, as two instances would. */
  make(options: { ttlMs: number; waitMs: number }): Promise<[ConversationLock, ConversationLock]>;
  /** Tries so far, by any lock made here, that found the lock held. */
  refusals(): number;
  /** Whether a holder that never releases loses the lock after ttlMs. */
  expires: boolean;
}

function lockCases(factory: LockFactory) {
  it('serialises two turns of one conversation', async () => {
    const [first, second] = await factory.make({ ttlMs: 10_000, waitMs: 10_000 });
    const events: string[] = [];
    const releaseA = await first.acquire('conv-1');
    expect(releaseA).toBeDefined();
    events.push('A in');
    const waitingB = second.acquire('conv-1').then((release) => {
      events.push('B in');
      return release;
    });
    // B must still be waiting while A holds the lock, having tried and been refused.
    const refused = factory.refusals();
    await until(() => factory.refusals() > refused || events.includes('B in'), 'B to try the held lock');
    expect(events).toEqual(['A in']);
    events.push('A out');
    await releaseA?.();
    const releaseB = await waitingB;
    expect(releaseB).toBeDefined();
    expect(events).toEqual(['A in', 'A out', 'B in']);
    await releaseB?.();
  });

  it('lets different conversations run at the same time', async () => {
    const [first, second] = await factory.make({ ttlMs: 10_000, waitMs: 200 });
    const releaseA = await first.acquire('conv-a');
    const releaseB = await second.acquire('conv-b');
    expect(releaseA).toBeDefined();
    expect(releaseB).toBeDefined();
    await releaseA?.();
    await releaseB?.();
  });

  it('gives up after the wait bound and says so with undefined', async () => {
    const [first, second] = await factory.make({ ttlMs: 10_000, waitMs: 100 });
    const release = await first.acquire('conv-busy');
    expect(await second.acquire('conv-busy')).toBeUndefined();
    await release?.();
    const again = await second.acquire('conv-busy');
    expect(again).toBeDefined();
    await again?.();
  });

  it('ignores a second release by a turn that no longer holds the lock', async () => {
    const [first, second] = await factory.make({ ttlMs: 10_000, waitMs: 100 });
    const releaseA = await first.acquire('conv-2');
    await releaseA?.();
    const releaseB = await second.acquire('conv-2');
    expect(releaseB).toBeDefined();
    await releaseA?.();
    expect(await first.acquire('conv-2')).toBeUndefined();
    await releaseB?.();
  });

  it('runs many competing turns one at a time, none lost', async () => {
    const [first, second] = await factory.make({ ttlMs: 10_000, waitMs: 10_000 });
    let inside = 0;
    let most = 0;
    const done: number[] = [];
    await Promise.all(
      Array.from({ length: 12 }, async (_, i) => {
        const release = await (i % 2 ? first : second).acquire('conv-3');
        if (!release) throw new Error('lock not acquired');
        inside += 1;
        most = Math.max(most, inside);
        // Held until another turn has tried and been refused (unless none is left): a lock that let two in would show.
        const refused = factory.refusals();
        await until(() => factory.refusals() > refused || done.length === 11, 'another turn to try the held lock');
        inside -= 1;
        done.push(i);
        await release();
      }),
    );
    expect(most).toBe(1);
    expect(done.sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i));
  });

  it.runIf(factory.expires)('frees the lock of a holder that never releases, and its late release frees nothing', async () => {
    const [crashed] = await factory.make({ ttlMs: 100, waitMs: 5000 });
    // B's own lock must outlive the rest of the test, however busy the machine is.
    const [, second] = await factory.make({ ttlMs: 10_000, waitMs: 5000 });
    const lateRelease = await crashed.acquire('conv-4');
    expect(lateRelease).toBeDefined();
    const releaseB = await second.acquire('conv-4');
    expect(releaseB).toBeDefined();
    // The first holder wakes up and releases: the lock now belongs to B and must stay.
    await lateRelease?.();
    const [, third] = await factory.make({ ttlMs: 10_000, waitMs: 50 });
    expect(await third.acquire('conv-4')).toBeUndefined();
    await releaseB?.();
  });
}

describe('Redis-style lock on the memory key-value store', () => {
  const store = new MemoryKeyValueStore();
  afterAll(() => store.close());
  const { counting, refusals } = refusalCounter();
  const shared = counting(store);
  lockCases({
    async make(options) {
      return [createRedisLock(shared, { ...options, secret: SECRET }), createRedisLock(shared, { ...options, secret: SECRET })];
    },
    refusals,
    expires: true,
  });
});

describe.skipIf(!redis.ok)(`Redis conversation lock${redis.reason ? ` (skipped: no ${redis.reason})` : ''}`, () => {
  const prefix = uniquePrefix('lock');
  const clients: Redis[] = [];
  const client = () => {
    const c = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
    c.on('error', () => undefined);
    clients.push(c);
    return c;
  };
  // Two clients: two instances of the app sharing one Redis.
  const { counting, refusals } = refusalCounter();
  const instanceA = counting(new RedisKeyValueStore(client(), { prefix }));
  const instanceB = counting(new RedisKeyValueStore(client(), { prefix }));
  afterAll(async () => {
    await deleteKeys(TEST_REDIS_URL, prefix);
    clients.forEach((c) => c.disconnect());
  });

  lockCases({
    async make(options) {
      return [createRedisLock(instanceA, { ...options, secret: SECRET }), createRedisLock(instanceB, { ...options, secret: SECRET })];
    },
    refusals,
    expires: true,
  });
});
