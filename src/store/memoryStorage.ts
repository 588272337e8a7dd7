import { randomUUID } from 'node:crypto';
import type { Storage, StoreItems } from 'botbuilder';

/** The error botbuilder's own stores raise when a write carries an outdated eTag. */
export function eTagConflict(key: string): Error {
  return new Error(`Storage: error writing "${key}" due to eTag conflict.`);
}

interface Entry {
  json: string;
  eTag: string;
  expiresAt: number;
}

export interface MemoryStorageOptions {
  /** Life of an item after its last write. */
  ttlMs: number;
  now?: () => number;
}

/**
 * Bot state in process memory (the default, one instance).
 *
 * botbuilder's MemoryStorage already honours eTags, but it keeps every conversation for
 * the life of the process and leaves a write half done on a conflict. This one has the same
 * eTag rules as RedisStorage (absent or `*` always wins, otherwise it must match; each item
 * is its own compare-and-set and a write rejects when any item conflicted) plus a time to live,
 * so memory use stays bounded by recent conversations.
 */
export class MemoryStorage implements Storage {
  private readonly entries = new Map<string, Entry>();
  private readonly now: () => number;
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly options: MemoryStorageOptions) {
    this.now = options.now ?? Date.now;
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

  async read(keys: string[]): Promise<StoreItems> {
    if (!keys) throw new ReferenceError('Keys are required when reading.');
    const items: StoreItems = {};
    for (const key of keys) {
      const entry = this.live(key);
      // A copy through JSON, like a network store: callers never share our objects.
      if (entry) items[key] = { ...JSON.parse(entry.json), eTag: entry.eTag };
    }
    return items;
  }

  async write(changes: StoreItems): Promise<void> {
    if (!changes) throw new ReferenceError('Changes are required when writing.');
    const conflicts: string[] = [];
    for (const [key, item] of Object.entries(changes)) {
      const { eTag, ...document } = item ?? {};
      const current = this.live(key);
      if (eTag && eTag !== '*' && current && current.eTag !== eTag) {
        conflicts.push(key);
        continue;
      }
      if (eTag && eTag !== '*' && !current) {
        // The item was deleted or expired since it was read: someone else's change won.
        conflicts.push(key);
        continue;
      }
      this.entries.set(key, { json: JSON.stringify(document), eTag: randomUUID(), expiresAt: this.now() + this.options.ttlMs });
    }
    if (conflicts.length > 0) throw eTagConflict(conflicts.join('", "'));
  }

  async delete(keys: string[]): Promise<void> {
    if (!keys) throw new ReferenceError('Keys are required when deleting.');
    for (const key of keys) this.entries.delete(key);
  }

  close(): void {
    clearInterval(this.sweeper);
  }
}
