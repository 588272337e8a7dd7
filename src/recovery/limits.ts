import { createHmac } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import {
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
} from 'rate-limiter-flexible';
import type { Config } from '../config';

export type LimitKind = 'lookup' | 'message' | 'codeSend';
export type LimitVerdict = { ok: true } | { ok: false; retryAfterSeconds: number };

/** Limits per number (identity checks, codes) and per conversation (messages). */
export interface RateLimits {
  consume(kind: LimitKind, key: string): Promise<LimitVerdict>;
}

interface LimitRule {
  points: number;
  durationSeconds: number;
  /** What to answer when the shared store cannot be reached. */
  whenStoreFails: 'closed' | 'open';
}

/** When the store is down, a closed limit asks the person to come back in a minute. */
const RETRY_WHEN_STORE_FAILS_SECONDS = 60;

function rulesFrom(config: Config): Record<LimitKind, LimitRule> {
  return {
    // Identity checks and code emails protect accounts: if Redis fails we refuse (fail closed)
    // rather than let someone guess or flood a mailbox without any count.
    lookup: { points: config.LOOKUPS_PER_NUMBER_PER_HOUR, durationSeconds: 3600, whenStoreFails: 'closed' },
    codeSend: { points: config.CODE_MAX_SENDS_PER_HOUR, durationSeconds: 3600, whenStoreFails: 'closed' },
    // The message limit only guards against floods; a Redis hiccup must not silence every chat,
    // so it falls back to a per-instance memory count (fail open to the insurance limiter).
    message: { points: config.MESSAGES_PER_CONVERSATION_PER_MINUTE, durationSeconds: 60, whenStoreFails: 'open' },
  };
}

/** The prefix the ioredis client already adds to every key, if any. */
function clientKeyPrefix(redis: Redis | Cluster): string | undefined {
  const options = (redis as { options?: { keyPrefix?: string; redisOptions?: { keyPrefix?: string } } }).options;
  return options?.keyPrefix || options?.redisOptions?.keyPrefix || undefined;
}

/**
 * Rate limits with rate-limiter-flexible: memory for one instance, Redis when several share it.
 * Keys are keyed hashes, so Redis never holds a cédula, RUC or conversation id in clear.
 */
export function createRateLimits(config: Config, redis?: Redis | Cluster): RateLimits {
  const rules = rulesFrom(config);
  const prefix = redis && clientKeyPrefix(redis) ? 'rl' : `${config.REDIS_KEY_PREFIX}rl`;

  const limiters = Object.fromEntries(
    (Object.keys(rules) as LimitKind[]).map((kind) => {
      const { points, durationSeconds: duration, whenStoreFails } = rules[kind];
      const keyPrefix = `${prefix}:${kind}`;
      const limiter: RateLimiterAbstract = redis
        ? new RateLimiterRedis({
            storeClient: redis,
            keyPrefix,
            points,
            duration,
            // Without this ioredis queues commands while disconnected and the chat would hang.
            rejectIfRedisNotReady: true,
            insuranceLimiter:
              whenStoreFails === 'open' ? new RateLimiterMemory({ keyPrefix, points, duration }) : undefined,
          })
        : new RateLimiterMemory({ keyPrefix, points, duration });
      return [kind, limiter];
    }),
  ) as Record<LimitKind, RateLimiterAbstract>;

  const hashKey = (kind: LimitKind, key: string) =>
    createHmac('sha256', config.SERVER_SECRET).update(`limit:${kind}:${key}`).digest('base64url').slice(0, 32);

  return {
    async consume(kind, key) {
      try {
        await limiters[kind].consume(hashKey(kind, key));
        return { ok: true };
      } catch (rejection) {
        if (rejection instanceof RateLimiterRes) {
          return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)) };
        }
        // The store failed (and, for `message`, its insurance too).
        if (rules[kind].whenStoreFails === 'open') return { ok: true };
        return { ok: false, retryAfterSeconds: RETRY_WHEN_STORE_FAILS_SECONDS };
      }
    },
  };
}
