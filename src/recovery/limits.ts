import { keyedHash } from '../hashing';
import type { Cluster, Redis } from 'ioredis';
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Config } from '../config';

/** The settings this module reads. */
export type LimitsConfig = Pick<
  Config,
  | 'CODE_FAILURES_PER_DAY'
  | 'CODE_MAX_SENDS_PER_HOUR'
  | 'LOOKUPS_PER_ADDRESS_PER_HOUR'
  | 'LOOKUPS_PER_CONVERSATION_PER_HOUR'
  | 'LOOKUP_FAILURES_PER_NUMBER'
  | 'REDIS_KEY_PREFIX'
  | 'SERVER_SECRET'
>;

/**
 * Rate limits (src/recovery/README.md, "Limits"), with rate-limiter-flexible on memory or Redis. Firm limits
 * hold per source (a conversation, a client address, a WhatsApp number), so whoever floods
 * only stops themselves. Limits per account (a cédula, an agent's name) are soft: failures
 * from every source count and decay quickly, and once they are spent a source that has not
 * failed on that account yet still gets a few tries, so a stranger cannot keep the owner out
 * (OWASP Forgot Password Cheat Sheet; FACTS.md).
 */

export type LimitVerdict = { ok: true } | { ok: false; retryAfterSeconds: number };
/** A verdict before a try, with what the key has used so far (0 when it has no count). */
export type Peek = LimitVerdict & { used: number };

export interface LimitRule {
  /** Names the counter in the store: `rl:<name>:<HMAC of the key>`. */
  name: string;
  points: number;
  durationSeconds: number;
  /** What to answer when the shared store cannot be reached. */
  whenStoreFails: 'closed' | 'open';
}

/** One counter per key. Keys are keyed hashes, so the store never holds a cédula, address or name in clear. */
export interface Limiter {
  /** Counts one; refused, with the wait, when none was left. */
  consume(key: string): Promise<LimitVerdict>;
  /** Whether one is left, counting nothing. */
  peek(key: string): Promise<Peek>;
  /** Forgets the key's count. */
  reset(key: string): Promise<void>;
}

/** Where limiters keep their counts. */
export interface LimiterStore {
  secret: string;
  /** Shared by every instance; without it each process counts alone (one instance, tests). */
  redis?: Redis | Cluster;
  /** REDIS_KEY_PREFIX, unless the ioredis client already adds one. */
  keyPrefix: string;
}

/** When the store is down, a closed limit asks the person to come back in a minute. */
const RETRY_WHEN_STORE_FAILS_SECONDS = 60;

/** The prefix the ioredis client already adds to every key, if any. */
function clientKeyPrefix(redis: Redis | Cluster): string | undefined {
  const options = (redis as { options?: { keyPrefix?: string; redisOptions?: { keyPrefix?: string } } }).options;
  return options?.keyPrefix || options?.redisOptions?.keyPrefix || undefined;
}

/** The one store every limiter counts in: built once by the app from its configuration, Redis when configured. */
export function limiterStore(config: Pick<Config, 'SERVER_SECRET' | 'REDIS_KEY_PREFIX'>, redis?: Redis | Cluster): LimiterStore {
  return { secret: config.SERVER_SECRET, redis, keyPrefix: redis && clientKeyPrefix(redis) ? '' : config.REDIS_KEY_PREFIX };
}

const secondsOf = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

/** The one way limiters are built here. */
export function createLimiter(rule: LimitRule, { secret, redis, keyPrefix }: LimiterStore): Limiter {
  const { points, durationSeconds: duration, whenStoreFails } = rule;
  const prefix = `${keyPrefix}rl:${rule.name}`;
  const limiter: RateLimiterAbstract = redis
    ? new RateLimiterRedis({
        storeClient: redis,
        keyPrefix: prefix,
        points,
        duration,
        // Without this ioredis queues commands while disconnected and the chat would hang.
        rejectIfRedisNotReady: true,
        // An open limit only guards against floods: a Redis hiccup falls back to a per-instance count.
        insuranceLimiter: whenStoreFails === 'open' ? new RateLimiterMemory({ keyPrefix: prefix, points, duration }) : undefined,
      })
    : new RateLimiterMemory({ keyPrefix: prefix, points, duration });
  const hash = (key: string) => keyedHash(secret, `limit:${rule.name}`, key);
  // Limits that protect accounts refuse when they cannot count (fail closed).
  const storeFailed = (): LimitVerdict =>
    whenStoreFails === 'open' ? { ok: true } : { ok: false, retryAfterSeconds: RETRY_WHEN_STORE_FAILS_SECONDS };

  return {
    async consume(key) {
      try {
        await limiter.consume(hash(key));
        return { ok: true };
      } catch (rejection) {
        return rejection instanceof RateLimiterRes ? { ok: false, retryAfterSeconds: secondsOf(rejection.msBeforeNext) } : storeFailed();
      }
    },
    async peek(key) {
      try {
        if (!redis) {
          const res = await limiter.get(hash(key));
          const used = res?.consumedPoints ?? 0;
          return res && used >= points ? { ok: false, retryAfterSeconds: secondsOf(res.msBeforeNext), used } : { ok: true, used };
        }
        // One GET, not the library's MULTI GET PTTL EXEC: the wait is read only once the count is spent.
        const counter = limiter.getKey(hash(key));
        const used = Number(await redis.get(counter)) || 0;
        return used < points ? { ok: true, used } : { ok: false, retryAfterSeconds: secondsOf(await redis.pttl(counter)), used };
      } catch {
        return { ...storeFailed(), used: 0 };
      }
    },
    async reset(key) {
      await limiter.delete(hash(key)).catch(() => undefined);
    },
  };
}

export interface SoftLimitRule {
  name: string;
  /** Failures on one account, from all sources together, before it is "hot". */
  failures: number;
  /** How fast those failures are forgotten: short, so the owner is never out for long. */
  windowSeconds: number;
  /** Failures a source that has not failed on a hot account may still have. */
  freshSourceTries: number;
}

/**
 * A soft limit on an account: failures count (never successes), decay within the window,
 * and a hot account still lets each source that has not spent its own allowance try.
 */
export class SoftAccountLimit {
  private readonly failures: Limiter;
  private readonly bySource: Limiter;

  constructor(rule: SoftLimitRule, store: LimiterStore) {
    const duration = { durationSeconds: rule.windowSeconds, whenStoreFails: 'closed' } as const;
    this.failures = createLimiter({ name: rule.name, points: rule.failures, ...duration }, store);
    this.bySource = createLimiter({ name: `${rule.name}-source`, points: rule.freshSourceTries, ...duration }, store);
  }

  /** Before a try: counts nothing. `used` is the account's failures, from every source. */
  async allow(account: string, source: string): Promise<Peek> {
    const hot = await this.failures.peek(account);
    if (hot.ok) return hot;
    const fresh = await this.bySource.peek(`${account}\n${source}`);
    return fresh.ok ? { ...fresh, used: hot.used } : hot;
  }

  async failed(account: string, source: string): Promise<void> {
    await Promise.all([this.failures.consume(account), this.bySource.consume(`${account}\n${source}`)]);
  }

  /**
   * The owner got in: their account's failures are forgotten. Given what `allow` saw, an
   * account that had none writes nothing (one failed in between decays with the window).
   */
  async succeeded(account: string, allowed?: Peek): Promise<void> {
    if (allowed?.used === 0) return;
    await this.failures.reset(account);
  }
}

/** Where an identity check comes from. */
export interface LimitSource {
  /** `<channelId>:<conversation id>`; on WhatsApp the conversation is the person's number. */
  conversation: string;
  /** The client's address, when the channel knows it (the web chat). Never stored in clear. */
  address?: string;
}

/** The turn-state key under which a channel that knows the client's address leaves it for the limits. */
export const CLIENT_ADDRESS = Symbol.for('iess.clientAddress');

export type LimitedCheck<T> = { ok: true; result: T | undefined } | { ok: false; retryAfterSeconds: number; by: 'source' | 'number' };

/** Failures on one cédula/RUC before it needs a fresh source, and how fast they are forgotten. */
export const NUMBER_FAILURE_WINDOW_SECONDS = 15 * 60;
export const FRESH_SOURCE_TRIES = 2;

/** The limits the conversation applies. */
export interface RateLimits {
  /** Code emails per account per hour. */
  readonly codeSends: Limiter;
  /** Wrong codes per account per day: `peek` before a try, `consume` after a wrong one. */
  readonly codeFailures: Limiter;
  /**
   * Runs an identity check within the limits: firm per source, soft per number. `check`
   * resolves to undefined when the identity does not match (a failure).
   */
  identityCheck<T>(number: string, source: LimitSource, check: () => Promise<T | undefined>): Promise<LimitedCheck<T>>;
}

const HOUR = 3600;

export function createRateLimits(config: LimitsConfig, store: LimiterStore): RateLimits {
  const closed = 'closed' as const;
  const codeSends = createLimiter(
    { name: 'codeSend', points: config.CODE_MAX_SENDS_PER_HOUR, durationSeconds: HOUR, whenStoreFails: closed },
    store,
  );
  const codeFailures = createLimiter(
    { name: 'codeFailure', points: config.CODE_FAILURES_PER_DAY, durationSeconds: 24 * HOUR, whenStoreFails: closed },
    store,
  );
  const byConversation = createLimiter(
    { name: 'lookup-conversation', points: config.LOOKUPS_PER_CONVERSATION_PER_HOUR, durationSeconds: HOUR, whenStoreFails: closed },
    store,
  );
  const byAddress = createLimiter(
    { name: 'lookup-address', points: config.LOOKUPS_PER_ADDRESS_PER_HOUR, durationSeconds: HOUR, whenStoreFails: closed },
    store,
  );
  const byNumber = new SoftAccountLimit(
    {
      name: 'lookup-number',
      failures: config.LOOKUP_FAILURES_PER_NUMBER,
      windowSeconds: NUMBER_FAILURE_WINDOW_SECONDS,
      freshSourceTries: FRESH_SOURCE_TRIES,
    },
    store,
  );

  return {
    codeSends,
    codeFailures,

    async identityCheck(number, source, check) {
      // The number first, so a hot number does not also spend the person's own tries.
      const numberVerdict = await byNumber.allow(number, source.conversation);
      if (!numberVerdict.ok) return { ok: false, retryAfterSeconds: numberVerdict.retryAfterSeconds, by: 'number' };
      for (const verdict of await Promise.all([
        byConversation.consume(source.conversation),
        source.address === undefined ? ({ ok: true } as const) : byAddress.consume(source.address),
      ])) {
        if (!verdict.ok) return { ...verdict, by: 'source' };
      }
      const result = await check();
      if (result === undefined) await byNumber.failed(number, source.conversation);
      else await byNumber.succeeded(number, numberVerdict);
      return { ok: true, result };
    },
  };
}
