import { keyedHash } from '../hashing';
import { type LimitVerdict, type LimiterStore, createLimiter } from './limits';

export interface FloodRule {
  /** Names the counter in the store: `rl:<name>:<HMAC of the key>`. */
  name: string;
  points: number;
  durationSeconds: number;
}

export interface FloodGuard {
  /** Counts one; refused, with the wait, once the key spent its points in this window. */
  consume(key: string): Promise<LimitVerdict>;
}

/** How long counts wait in this instance before they go to Redis together. */
const FLUSH_MS = 100;
/** Keys this instance remembers at most: a flood of new addresses cannot grow its memory. */
export const MAX_KEYS = 50_000;

/**
 * KEYS[1] counter · ARGV[1] counts to add, ARGV[2] window in ms → { total, ms left }. A new
 * counter (or one that lost its time to live) starts a window; one script, so it works on
 * any Redis version and on Cluster (one key per call).
 */
const COUNT_FOR = `
local total = redis.call('INCRBY', KEYS[1], ARGV[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  ttl = tonumber(ARGV[2])
end
return { total, ttl }`;

interface CountCommand {
  iessCountFor(key: string, count: number, windowMs: number): Promise<[number, number]>;
}

/** One key's window, as this instance knows it. */
interface Window {
  /** The shared total Redis last answered (this instance's counts included). */
  total: number;
  /** Counted here since the last flush. */
  fresh: number;
  /** On their way to Redis. */
  sending: number;
  endsAt: number;
}

/**
 * Counts per key for a limit that only guards against floods (requests per client address):
 * no request waits for the store. Each instance decides from its own counts plus the shared
 * total it last heard, and sends what it counted to Redis every FLUSH_MS (one command per
 * key counted meanwhile, not one per request).
 * Within an instance a key never gets more than `points`; across instances, at most what
 * they let through within one flush of each other. When Redis fails, each instance keeps
 * counting on its own (the limit stays open). Without Redis it is the plain memory limiter.
 */
export function createFloodGuard(rule: FloodRule, store: LimiterStore, now: () => number = Date.now): FloodGuard {
  const { redis } = store;
  if (!redis) return createLimiter({ ...rule, whenStoreFails: 'open' }, store);
  const { points } = rule;
  const durationMs = rule.durationSeconds * 1000;
  const prefix = `${store.keyPrefix}rl:${rule.name}:`;
  const windows = new Map<string, Window>();
  const pending = new Set<string>();
  redis.defineCommand('iessCountFor', { numberOfKeys: 1, lua: COUNT_FOR });
  const counter = redis as unknown as CountCommand;
  let timer: NodeJS.Timeout | undefined;

  const flush = () => {
    timer = undefined;
    for (const key of pending) {
      const window = windows.get(key);
      if (window) void send(counter, prefix + key, durationMs, window, now);
    }
    pending.clear();
  };

  return {
    async consume(key) {
      const hash = keyedHash(store.secret, `limit:${rule.name}`, key);
      const at = now();
      let window = windows.get(hash);
      if (!window || at >= window.endsAt) {
        if (!window && windows.size >= MAX_KEYS) forgetOldest(windows, at);
        window = { total: 0, fresh: 0, sending: 0, endsAt: at + durationMs };
        windows.delete(hash);
        windows.set(hash, window);
      }
      if (window.total + window.sending + window.fresh >= points)
        return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((window.endsAt - at) / 1000)) };
      window.fresh += 1;
      pending.add(hash);
      timer ??= setTimeout(flush, FLUSH_MS).unref();
      return { ok: true };
    },
  };
}

/** Adds what this instance counted to the shared total, and learns that total and the time the window has left. */
async function send(counter: CountCommand, key: string, durationMs: number, window: Window, now: () => number): Promise<void> {
  const sent = window.fresh;
  window.fresh = 0;
  window.sending += sent;
  const reply = await counter.iessCountFor(key, sent, durationMs).catch(() => undefined);
  window.sending -= sent;
  const [total, ttl] = reply ?? [];
  if (typeof total !== 'number') {
    // The store failed: what was sent stays counted here.
    window.total += sent;
    return;
  }
  window.total = total;
  if (typeof ttl === 'number' && ttl > 0) window.endsAt = now() + ttl;
}

/** Drops windows that have ended, or else the oldest quarter (a Map keeps insertion order). */
function forgetOldest(windows: Map<string, Window>, at: number): void {
  for (const [key, window] of windows) if (at >= window.endsAt) windows.delete(key);
  if (windows.size < MAX_KEYS) return;
  let drop = Math.ceil(MAX_KEYS / 4);
  for (const key of windows.keys()) {
    if (drop-- <= 0) break;
    windows.delete(key);
  }
}
