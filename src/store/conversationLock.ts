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

/** A lock for one process (memory mode): a mutex per conversation, handed to waiters in order. */
export function createLocalLock(options: { waitMs: number }): ConversationLock {
  /** Conversations held now, each with its waiters in arrival order. */
  const held = new Map<string, Array<() => void>>();

  const releaseFor = (conversationId: string) => {
    let released = false;
    return async () => {
      if (released) return;
      released = true;
      const waiters = held.get(conversationId);
      const next = waiters?.shift();
      // Hand the lock straight to the next waiter, or free it.
      if (next) next();
      else held.delete(conversationId);
    };
  };

  return {
    async acquire(conversationId) {
      const waiters = held.get(conversationId);
      if (!waiters) {
        held.set(conversationId, []);
        return releaseFor(conversationId);
      }
      return new Promise((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          resolve(releaseFor(conversationId));
        };
        const timer = setTimeout(() => {
          const index = waiters.indexOf(wake);
          if (index >= 0) waiters.splice(index, 1);
          resolve(undefined);
        }, options.waitMs);
        waiters.push(wake);
      });
    },
  };
}
