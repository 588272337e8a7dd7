import type { Cluster, Redis } from 'ioredis';
import { type ConversationLock, createRedisLock } from './conversationLock';
import type { Config } from '../config';
import type { Logger } from '../log';
import type { KeyValueStore } from './keyValue';
import type { StateStorage } from './stateStorage';
import { MemoryKeyValueStore } from './memoryKeyValue';
import { MemoryStorage } from './memoryStorage';
import { closeRedis, createRedis, type RedisConnectionConfig, redisConfigured } from './redisConnection';
import { RedisKeyValueStore } from './redisKeyValue';
import { RedisStorage } from './redisStorage';

/** The settings this module reads. */
export type StoreConfig = Pick<
  Config,
  'CONVERSATION_LOCK_TTL_MS' | 'CONVERSATION_LOCK_WAIT_MS' | 'REDIS_KEY_PREFIX' | 'SERVER_SECRET' | 'STATE_TTL_SECONDS'
> &
  RedisConnectionConfig;

export type { KeyValueStore } from './keyValue';
export type { StateStorage } from './stateStorage';
export type { ConversationLock } from './conversationLock';

export interface Stores {
  kind: 'memory' | 'redis';
  kv: KeyValueStore;
  /** botbuilder state (conversation and user), with eTags and STATE_TTL_SECONDS. */
  storage: StateStorage;
  /**
   * Serialises the turns of one conversation across instances; Redis only: with one process
   * in memory the bot's turn queue alone keeps the order.
   */
  lock?: ConversationLock;
  /** The shared client (no key prefix: add REDIS_KEY_PREFIX yourself), for rate-limiter-flexible. */
  redis?: Redis | Cluster;
  /** True when the backing store answers now (/readyz). */
  ready(): Promise<boolean>;
  close(): Promise<void>;
}

/** Memory by default; Redis when REDIS_URL, REDIS_SENTINELS or REDIS_CLUSTER_NODES is set. */
export function createStores(config: StoreConfig, log?: Logger): Stores {
  const stateTtlMs = config.STATE_TTL_SECONDS * 1000;
  const lockOptions = { ttlMs: config.CONVERSATION_LOCK_TTL_MS, waitMs: config.CONVERSATION_LOCK_WAIT_MS };

  if (!redisConfigured(config)) {
    const kv = new MemoryKeyValueStore();
    const storage = new MemoryStorage({ ttlMs: stateTtlMs });
    return {
      kind: 'memory',
      kv,
      storage,
      ready: async () => true,
      async close() {
        storage.close();
        await kv.close();
      },
    };
  }

  const redis = createRedis(config, log);
  const prefix = config.REDIS_KEY_PREFIX;
  const kv = new RedisKeyValueStore(redis, { prefix, log });
  return {
    kind: 'redis',
    kv,
    storage: new RedisStorage(redis, { prefix, ttlMs: stateTtlMs, secret: config.SERVER_SECRET }),
    lock: createRedisLock(kv, { ...lockOptions, secret: config.SERVER_SECRET }),
    redis,
    ready: () => kv.ping(),
    async close() {
      await kv.close();
      await closeRedis(redis);
    },
  };
}
