import { EventEmitter } from 'node:events';
import type { KeyValueStore, SecretAttempt, SecretRecord } from './keyValue';

interface Entry {
  value: string | string[] | StoredSecret;
  expiresAt: number;
}
interface StoredSecret extends SecretRecord {
  tries: number;
}

/** In-process store for one instance (the default). Every method is synchronous inside, hence atomic. */
export class MemoryKeyValueStore implements KeyValueStore {
  private readonly entries = new Map<string, Entry>();
  private readonly bus = new EventEmitter().setMaxListeners(0);
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly now: () => number = Date.now) {
    this.sweeper = setInterval(() => this.sweep(), 60_000).unref();
  }

  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  private sweep(): void {
    for (const key of this.entries.keys()) this.live(key);
  }

  async get(key: string) {
    const v = this.live(key)?.value;
    return typeof v === 'string' ? v : undefined;
  }

  async set(key: string, value: string, ttlMs: number) {
    this.entries.set(key, { value, expiresAt: this.now() + ttlMs });
  }

  async setIfAbsent(key: string, value: string, ttlMs: number) {
    if (this.live(key)) return false;
    this.entries.set(key, { value, expiresAt: this.now() + ttlMs });
    return true;
  }

  async take(key: string) {
    // No await between the read and the delete: two parallel takes must not both get the value.
    const v = this.live(key)?.value;
    this.entries.delete(key);
    return typeof v === 'string' ? v : undefined;
  }

  async delete(key: string) {
    this.entries.delete(key);
  }

  async deleteIfEquals(key: string, value: string) {
    if (this.live(key)?.value !== value) return false;
    this.entries.delete(key);
    return true;
  }

  async putSecret(key: string, record: SecretRecord, ttlMs: number) {
    this.entries.set(key, { value: { ...record, tries: 0 }, expiresAt: this.now() + ttlMs });
  }

  async attemptSecret(key: string, candidateHash: string, maxTries: number): Promise<SecretAttempt> {
    const entry = this.live(key);
    const secret = entry?.value as StoredSecret | undefined;
    if (!entry || !secret || typeof secret !== 'object' || Array.isArray(secret)) return { result: 'missing' };
    if (secret.hash === candidateHash) {
      this.entries.delete(key);
      return { result: 'ok', data: secret.data };
    }
    secret.tries += 1;
    if (secret.tries >= maxTries) this.entries.delete(key);
    return { result: 'wrong', triesLeft: Math.max(0, maxTries - secret.tries) };
  }

  async append(key: string, value: string, ttlMs: number) {
    const entry = this.live(key);
    const list = Array.isArray(entry?.value) ? entry.value : [];
    list.push(value);
    this.entries.set(key, { value: list, expiresAt: this.now() + ttlMs });
    return list.length;
  }

  async range(key: string, from = 0) {
    const v = this.live(key)?.value;
    return Array.isArray(v) ? v.slice(from) : [];
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
    clearInterval(this.sweeper);
  }
}
