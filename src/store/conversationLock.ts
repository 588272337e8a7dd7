import { randomUUID } from 'node:crypto';
import { keyedHash } from '../hashing';
import { setTimeout as sleep } from 'node:timers/promises';
import type { KeyValueStore } from './keyValue';

/**
 * Holds one conversation for the length of a turn. `acquire` resolves to a release function,
 * or to undefined when the conversation stayed busy for the whole wait: the caller then asks
 * the person to try again instead of running the turn unlocked. Store failures reject.
 */
export interface ConversationLock {
  acquire(conversationId: string): Promise<(() => Promise<void>) | undefined>;
}

export interface RedisLockOptions {
  /** Longest a holder keeps the lock if it never releases (a crashed instance). */
  ttlMs: number;
  /** Longest `acquire` waits for the holder to finish. */
  waitMs: number;
  /** Pause between two tries (a little jitter is added). */
  retryMs?: number;
  /** SERVER_SECRET: lock keys hold a keyed hash of the conversation id. */
  secret: string;
}

/**
 * A lock shared by every instance (SET NX PX with a random owner token). Only the owner's
 * release deletes it (compare-and-delete), so a turn that outlived its TTL cannot free a
 * lock that another turn now holds.
 */
export function createRedisLock(store: KeyValueStore, options: RedisLockOptions): ConversationLock {
  const retryMs = options.retryMs ?? 50;
  return {
    async acquire(conversationId) {
      // Conversation ids can hold a phone number; the lock key holds only a keyed hash of it.
      const key = `lock:conv:${keyedHash(options.secret, 'lock', conversationId)}`;
      const owner = randomUUID();
      const deadline = Date.now() + options.waitMs;
      for (;;) {
        if (await takeOrUndo(store, key, owner, options.ttlMs)) {
          let released = false;
          return async () => {
            if (released) return;
            released = true;
            await store.deleteIfEquals(key, owner);
          };
        }
        const left = deadline - Date.now();
        if (left <= 0) return undefined;
        await sleep(Math.min(left, retryMs + Math.floor(Math.random() * retryMs)));
      }
    },
  };
}

/**
 * SET NX PX that leaves nothing behind when it fails. A command that timed out may still run
 * on a stalled Redis once it wakes; the compare-and-delete sent right behind it on the same
 * connection runs after it and removes it, so a short stall does not keep the conversation
 * locked (the person told "busy") for the lock's whole TTL.
 */
async function takeOrUndo(store: KeyValueStore, key: string, owner: string, ttlMs: number): Promise<boolean> {
  try {
    return await store.setIfAbsent(key, owner, ttlMs);
  } catch (error) {
    // Not awaited: while Redis is down this fails too, and the person should not wait for it.
    store.deleteIfEquals(key, owner).catch(() => undefined);
    throw error;
  }
}
