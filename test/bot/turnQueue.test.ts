import { describe, expect, it } from 'vitest';
import { TurnQueue } from '../../src/bot/turnQueue';
import { ConversationBusyError } from '../../src/errors';
import { MemoryKeyValueStore } from '../../src/store/memoryKeyValue';
import { createRedisLock } from '../../src/store/conversationLock';

/** A turn that reads a counter, yields to the event loop as a store round trip would, then writes it back. */
function countingTurn(counts: Map<string, number>, key: string, order: number[], n: number) {
  return async () => {
    const seen = counts.get(key) ?? 0;
    await new Promise((resolve) => setImmediate(resolve));
    counts.set(key, seen + 1);
    order.push(n);
  };
}

describe('the turn queue: the one place turns of a conversation wait for each other', () => {
  it('runs 50 turns of one conversation one at a time, in arrival order, none lost', async () => {
    const queue = new TurnQueue();
    const counts = new Map<string, number>();
    const order: number[] = [];
    await Promise.all(Array.from({ length: 50 }, (_, n) => queue.run('whatsapp/+593', countingTurn(counts, 'a', order, n))));
    expect(counts.get('a')).toBe(50);
    expect(order).toEqual(Array.from({ length: 50 }, (_, n) => n));
  });

  it('lets different conversations run at the same time', async () => {
    const queue = new TurnQueue();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const first = queue.run('directline/a', () => held);
    // The other conversation finishes while the first one still waits.
    await queue.run('directline/b', async () => undefined);
    release();
    await first;
  });

  it('holds the shared lock for each turn and says busy when another instance keeps it past the wait', async () => {
    const store = new MemoryKeyValueStore();
    const lock = createRedisLock(store, { ttlMs: 10_000, waitMs: 50, secret: 'queue-test-secret-0123456789-abcdef' });
    const other = createRedisLock(store, { ttlMs: 10_000, waitMs: 50, secret: 'queue-test-secret-0123456789-abcdef' });
    const release = await other.acquire('whatsapp/+593');
    const queue = new TurnQueue(lock);
    let ran = false;
    await expect(queue.run('whatsapp/+593', async () => void (ran = true))).rejects.toBeInstanceOf(ConversationBusyError);
    expect(ran).toBe(false);
    await release?.();
    await queue.run('whatsapp/+593', async () => void (ran = true));
    expect(ran).toBe(true);
    await store.close();
  });

  it('drains: resolves once every queued turn has run', async () => {
    const queue = new TurnQueue();
    const done: number[] = [];
    for (const n of [1, 2, 3]) void queue.run('c', async () => void done.push(n));
    expect(await queue.drain(1_000)).toBe(true);
    expect(done).toEqual([1, 2, 3]);
  });
});
