import { type Cluster, type Redis, ReplyError } from 'ioredis';
import type { Logger } from '../log';
import type { KeyValueStore, SecretAttempt, SecretRecord } from './keyValue';
import { StoreUnavailableError } from '../errors';
import { closeRedis, watchConnection } from './redisConnection';

/*
 * Every script touches exactly one key, so it runs on Redis Cluster too (one hash slot).
 */

/** KEYS[1] secret · ARGV hash, data, ttlMs. Replaces any earlier secret and resets its tries. */
const PUT_SECRET = `
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'hash', ARGV[1], 'data', ARGV[2], 'tries', 0)
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1`;

/** KEYS[1] secret · ARGV candidate hash, maxTries. Check, count and consume in one step. */
const ATTEMPT_SECRET = `
if redis.call('TYPE', KEYS[1]).ok ~= 'hash' then return {'missing'} end
local stored = redis.call('HGET', KEYS[1], 'hash')
if not stored then return {'missing'} end
if stored == ARGV[1] then
  local data = redis.call('HGET', KEYS[1], 'data')
  redis.call('DEL', KEYS[1])
  return {'ok', data}
end
local maxTries = tonumber(ARGV[2])
local tries = redis.call('HINCRBY', KEYS[1], 'tries', 1)
if tries >= maxTries then redis.call('DEL', KEYS[1]) end
local left = maxTries - tries
if left < 0 then left = 0 end
return {'wrong', tostring(left)}`;

/** KEYS[1] · ARGV value. Deletes only when the value still matches (lock release by its owner). */
const DELETE_IF_EQUALS = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/** KEYS[1] list · ARGV value, ttlMs. Appends and renews the list's life. */
const APPEND = `
local length = redis.call('RPUSH', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return length`;

interface ScriptCommands {
  iessPutSecret(key: string, hash: string, data: string, ttlMs: number): Promise<number>;
  iessAttemptSecret(key: string, candidateHash: string, maxTries: number): Promise<[string, string?]>;
  iessDeleteIfEquals(key: string, value: string): Promise<number>;
  iessAppend(key: string, value: string, ttlMs: number): Promise<number>;
}

/** Reply errors that mean "the server cannot serve now", not "the command was wrong". */
const UNAVAILABLE_REPLIES = /^(LOADING|READONLY|CLUSTERDOWN|MASTERDOWN|TRYAGAIN|BUSY|NOREPLICAS)\b/;

/** Turns connection failures and timeouts into StoreUnavailableError; real mistakes stay as they are. */
export async function guardRedis<T>(operation: Promise<T>): Promise<T> {
  try {
    return await operation;
  } catch (err) {
    const reply = err instanceof ReplyError;
    if (reply && !UNAVAILABLE_REPLIES.test((err as Error).message)) throw err;
    throw new StoreUnavailableError(err);
  }
}

/** Redis wants whole, positive milliseconds. */
const wholeMs = (ttlMs: number) => Math.max(1, Math.ceil(ttlMs));

/** One subscribed channel: its handlers, and the SUBSCRIBE that set it up. */
interface Channel {
  handlers: Set<(message: string) => void>;
  subscribed: Promise<unknown>;
}

export interface RedisKeyValueOptions {
  /** Added to every key and channel (REDIS_KEY_PREFIX). */
  prefix: string;
  log?: Logger;
}

/**
 * The key-value contract on Redis, for several instances. Atomic steps are Lua scripts.
 * The store does not own `redis` (close() only closes its own subscriber connection).
 */
export class RedisKeyValueStore implements KeyValueStore {
  private readonly scripts: ScriptCommands;
  private readonly prefix: string;
  private subscriber?: Redis | Cluster;
  private readonly channels = new Map<string, Channel>();

  constructor(
    private readonly redis: Redis | Cluster,
    private readonly options: RedisKeyValueOptions,
  ) {
    this.prefix = options.prefix;
    redis.defineCommand('iessPutSecret', { numberOfKeys: 1, lua: PUT_SECRET });
    redis.defineCommand('iessAttemptSecret', { numberOfKeys: 1, lua: ATTEMPT_SECRET });
    redis.defineCommand('iessDeleteIfEquals', { numberOfKeys: 1, lua: DELETE_IF_EQUALS });
    redis.defineCommand('iessAppend', { numberOfKeys: 1, lua: APPEND });
    this.scripts = redis as unknown as ScriptCommands;
  }

  private k(key: string): string {
    return this.prefix + key;
  }

  async get(key: string) {
    return (await guardRedis(this.redis.get(this.k(key)))) ?? undefined;
  }

  async set(key: string, value: string, ttlMs: number) {
    await guardRedis(this.redis.set(this.k(key), value, 'PX', wholeMs(ttlMs)));
  }

  async setIfAbsent(key: string, value: string, ttlMs: number) {
    return (await guardRedis(this.redis.set(this.k(key), value, 'PX', wholeMs(ttlMs), 'NX'))) === 'OK';
  }

  async take(key: string) {
    return (await guardRedis(this.redis.getdel(this.k(key)))) ?? undefined;
  }

  async touch(key: string, ttlMs: number) {
    return (await guardRedis(this.redis.pexpire(this.k(key), wholeMs(ttlMs)))) === 1;
  }

  async delete(key: string) {
    await guardRedis(this.redis.del(this.k(key)));
  }

  async deleteIfEquals(key: string, value: string) {
    return (await guardRedis(this.scripts.iessDeleteIfEquals(this.k(key), value))) === 1;
  }

  async putSecret(key: string, record: SecretRecord, ttlMs: number) {
    await guardRedis(this.scripts.iessPutSecret(this.k(key), record.hash, record.data, wholeMs(ttlMs)));
  }

  async attemptSecret(key: string, candidateHash: string, maxTries: number): Promise<SecretAttempt> {
    const [result, value] = await guardRedis(this.scripts.iessAttemptSecret(this.k(key), candidateHash, maxTries));
    if (result === 'ok') return { result: 'ok', data: value ?? '' };
    if (result === 'wrong') return { result: 'wrong', triesLeft: Number(value) };
    return { result: 'missing' };
  }

  async append(key: string, value: string, ttlMs: number) {
    return guardRedis(this.scripts.iessAppend(this.k(key), value, wholeMs(ttlMs)));
  }

  async range(key: string, from = 0) {
    return guardRedis(this.redis.lrange(this.k(key), from, -1));
  }

  async increment(key: string, field: string, by: number, ttlMs: number) {
    const k = this.k(key);
    await guardRedis(this.redis.multi().hincrby(k, field, by).pexpire(k, wholeMs(ttlMs)).exec());
  }

  async counts(key: string) {
    const raw = await guardRedis(this.redis.hgetall(this.k(key)));
    return Object.fromEntries(Object.entries(raw).map(([field, n]) => [field, Number(n)]));
  }

  async replaceAt(key: string, index: number, value: string) {
    // LSET keeps the list's time to live; an expired list or a short one answers with an error.
    return guardRedis(
      this.redis.lset(this.k(key), index, value).then(
        () => true,
        (err: unknown) => {
          if (/no such key|index out of range/i.test((err as Error)?.message ?? '')) return false;
          throw err;
        },
      ),
    );
  }

  async publish(channel: string, message: string) {
    await guardRedis(this.redis.publish(this.k(channel), message));
  }

  /**
   * One subscriber connection per store, made on first use; handlers are multiplexed over it.
   * ioredis subscribes again by itself after a reconnection.
   */
  async subscribe(channel: string, onMessage: (message: string) => void) {
    const subscriber = await this.readySubscriber();
    const name = this.k(channel);
    let entry = this.channels.get(name);
    if (!entry) {
      const created: Channel = { handlers: new Set(), subscribed: guardRedis(subscriber.subscribe(name)) };
      created.subscribed.catch(() => {
        if (this.channels.get(name) === created) this.channels.delete(name);
      });
      this.channels.set(name, created);
      entry = created;
    }
    // A second subscriber to the same channel also waits until Redis confirmed it.
    await entry.subscribed;
    entry.handlers.add(onMessage);
    const subscribed = entry;
    return async () => {
      if (!subscribed.handlers.delete(onMessage) || subscribed.handlers.size > 0) return;
      if (this.channels.get(name) === subscribed) this.channels.delete(name);
      // If Redis is down the channel stays subscribed with no handler: harmless.
      await subscriber.unsubscribe(name).catch(() => undefined);
    };
  }

  private async readySubscriber(): Promise<Redis | Cluster> {
    if (!this.subscriber) {
      const subscriber = this.redis.duplicate();
      watchConnection(subscriber, this.options.log);
      subscriber.on('message', (channel: string, message: string) => {
        for (const handler of this.channels.get(channel)?.handlers ?? []) {
          try {
            handler(message);
          } catch (err) {
            this.options.log?.warn({ err: { type: (err as Error).name } }, 'subscriber handler failed');
          }
        }
      });
      this.subscriber = subscriber;
    }
    const subscriber = this.subscriber;
    if (subscriber.status !== 'ready') await waitForReady(subscriber, this.connectWaitMs());
    return subscriber;
  }

  private connectWaitMs(): number {
    const options = (this.redis as { options?: { connectTimeout?: number; redisOptions?: { connectTimeout?: number } } }).options;
    return options?.connectTimeout ?? options?.redisOptions?.connectTimeout ?? 3000;
  }

  async ping() {
    try {
      return (await guardRedis(this.redis.ping())) === 'PONG';
    } catch {
      return false;
    }
  }

  async close() {
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    this.channels.clear();
    if (subscriber) await closeRedis(subscriber);
  }
}

/** Resolves when the connection is ready; rejects with StoreUnavailableError after `timeoutMs`. */
function waitForReady(client: Redis | Cluster, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off('ready', onReady);
      reject(new StoreUnavailableError(new Error('subscriber not connected')));
    }, timeoutMs);
    const onReady = () => {
      clearTimeout(timer);
      resolve();
    };
    client.once('ready', onReady);
  });
}
