import { EventEmitter } from 'node:events';
import { ExpiringMap } from './expiringMap';
import type { KeyValueStore, SecretAttempt, SecretRecord } from './keyValue';

type Value = string | string[] | StoredSecret | Map<string, number>;
interface StoredSecret extends SecretRecord {
  tries: number;
}

/** In-process store for one instance (the default). Every method is synchronous inside, hence atomic. */
export class MemoryKeyValueStore implements KeyValueStore {
  private readonly entries: ExpiringMap<Value>;
  private readonly bus = new EventEmitter().setMaxListeners(0);

  constructor(now: () => number = Date.now) {
    this.entries = new ExpiringMap(now);
  }

  async get(key: string) {
    const v = this.entries.get(key);
    return typeof v === 'string' ? v : undefined;
  }

  async set(key: string, value: string, ttlMs: number) {
    this.entries.set(key, value, ttlMs);
  }

  async setIfAbsent(key: string, value: string, ttlMs: number) {
    if (this.entries.get(key) !== undefined) return false;
    this.entries.set(key, value, ttlMs);
    return true;
  }

  async take(key: string) {
    // No await between the read and the delete: two parallel takes must not both get the value.
    const v = this.entries.get(key);
    this.entries.delete(key);
    return typeof v === 'string' ? v : undefined;
  }

  async touch(key: string, ttlMs: number) {
    const v = this.entries.get(key);
    if (v === undefined) return false;
    this.entries.set(key, v, ttlMs);
    return true;
  }

  async delete(key: string) {
    this.entries.delete(key);
  }

  async deleteIfEquals(key: string, value: string) {
    if (this.entries.get(key) !== value) return false;
    this.entries.delete(key);
    return true;
  }

  async putSecret(key: string, record: SecretRecord, ttlMs: number) {
    this.entries.set(key, { ...record, tries: 0 }, ttlMs);
  }

  async attemptSecret(key: string, candidateHash: string, maxTries: number): Promise<SecretAttempt> {
    const secret = this.entries.get(key);
    if (!secret || typeof secret !== 'object' || Array.isArray(secret) || secret instanceof Map) return { result: 'missing' };
    if (secret.hash === candidateHash) {
      this.entries.delete(key);
      return { result: 'ok', data: secret.data };
    }
    secret.tries += 1;
    if (secret.tries >= maxTries) this.entries.delete(key);
    return { result: 'wrong', triesLeft: Math.max(0, maxTries - secret.tries) };
  }

  async append(key: string, value: string, ttlMs: number) {
    const current = this.entries.get(key);
    const list = Array.isArray(current) ? current : [];
    list.push(value);
    this.entries.set(key, list, ttlMs);
    return list.length;
  }

  async range(key: string, from = 0) {
    const v = this.entries.get(key);
    return Array.isArray(v) ? v.slice(from) : [];
  }

  async increment(key: string, field: string, by: number, ttlMs: number) {
    const current = this.entries.get(key);
    const counters = current instanceof Map ? current : new Map<string, number>();
    counters.set(field, (counters.get(field) ?? 0) + by);
    this.entries.set(key, counters, ttlMs);
  }

  async counts(key: string) {
    const v = this.entries.get(key);
    return v instanceof Map ? Object.fromEntries(v) : {};
  }

  async replaceAt(key: string, index: number, value: string) {
    const list = this.entries.get(key);
    if (!Array.isArray(list) || index < 0 || index >= list.length) return false;
    list[index] = value;
    return true;
  }

  async publish(channel: string, message: string) {
    this.bus.emit(channel, message);
  }

  async subscribe(channel: string, onMessage: (message: string) => void) {
    this.bus.on(channel, onMessage);
    return async () => {
      this.bus.off(channel, onMessage);
    };
  }

  async ping() {
    return true;
  }

  async close() {
    this.entries.close();
  }
}
