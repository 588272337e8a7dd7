import { randomUUID } from 'node:crypto';
import { keyedHash } from '../hashing';
import { Sealer } from '../sealing';
import type { StateStorage, StoreItem, StoreItems } from './stateStorage';
import type { Cluster, Redis } from 'ioredis';
import { eTagConflict } from './memoryStorage';
import { guardRedis } from './redisKeyValue';

/**
 * KEYS[1] item · ARGV expected eTag ('' = any), sealed document, new eTag, ttlMs.
 * The compare and the write happen in one step, so two instances can never both win.
 */
const WRITE_IF_MATCH = `
if ARGV[1] ~= '' and redis.call('HGET', KEYS[1], 'e') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'e', ARGV[3], 'v', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1`;

interface WriteCommand {
  iessWriteIfMatch(key: string, expectedETag: string, json: string, newETag: string, ttlMs: number): Promise<number>;
}

export interface RedisStorageOptions {
  /** Added to every key (REDIS_KEY_PREFIX). */
  prefix: string;
  /** Life of an item after its last write (STATE_TTL_SECONDS). */
  ttlMs: number;
  /** SERVER_SECRET: keys are keyed hashes, so a WhatsApp number cannot be guessed back from them. */
  secret: string;
}

/**
 * botbuilder `Storage` on Redis, for bot state shared by several instances.
 * Each item is a hash { e: eTag, v: sealed JSON }. Writes are compare-and-set on the eTag (absent
 * or `*` always wins), every write renews the time to live. Keys are hashed: botbuilder keys hold
 * conversation ids (a WhatsApp number, for one), which should not sit in Redis in clear.
 * Documents are sealed: mid-conversation they hold the cédula and the birth date.
 * Items are read and written one key at a time, so this works on Redis Cluster as well.
 */
export class RedisStorage implements StateStorage {
  private readonly command: WriteCommand;
  private readonly sealer: Sealer;

  constructor(
    private readonly redis: Redis | Cluster,
    private readonly options: RedisStorageOptions,
  ) {
    redis.defineCommand('iessWriteIfMatch', { numberOfKeys: 1, lua: WRITE_IF_MATCH });
    this.command = redis as unknown as WriteCommand;
    this.sealer = new Sealer(options.secret, 'state-seal');
  }

  private k(key: string): string {
    return `${this.options.prefix}state:${keyedHash(this.options.secret, 'state', key)}`;
  }

  async read(keys: string[]): Promise<StoreItems> {
    if (!keys) throw new ReferenceError('Keys are required when reading.');
    const found = await Promise.all(keys.map((key) => guardRedis(this.redis.hmget(this.k(key), 'e', 'v'))));
    const items: StoreItems = {};
    keys.forEach((key, i) => {
      const [eTag, sealed] = found[i];
      // One that does not open (another secret, a changed byte, written before sealing) reads as
      // absent: the conversation starts over instead of failing the turn, and its next write wins.
      const json = sealed ? this.sealer.open(sealed) : undefined;
      if (eTag && json) items[key] = { ...(JSON.parse(json) as object), eTag };
    });
    return items;
  }

  async write(changes: StoreItems): Promise<void> {
    if (!changes) throw new ReferenceError('Changes are required when writing.');
    const ttlMs = Math.max(1, Math.ceil(this.options.ttlMs));
    const entries = Object.entries(changes);
    const written = await Promise.all(
      entries.map(([key, item]) => {
        const { eTag, ...document }: StoreItem = item ?? {};
        const expected = eTag && eTag !== '*' ? String(eTag) : '';
        return guardRedis(
          this.command.iessWriteIfMatch(this.k(key), expected, this.sealer.seal(JSON.stringify(document)), randomUUID(), ttlMs),
        );
      }),
    );
    const conflicts = entries.filter((_, i) => written[i] !== 1).map(([key]) => key);
    if (conflicts.length > 0) throw eTagConflict(conflicts.join('", "'));
  }

  async delete(keys: string[]): Promise<void> {
    if (!keys) throw new ReferenceError('Keys are required when deleting.');
    await Promise.all(keys.map((key) => guardRedis(this.redis.del(this.k(key)))));
  }
}
