import { randomUUID } from 'node:crypto';
import type { StateStorage, StoreItem, StoreItems } from './stateStorage';
import { ExpiringMap } from './expiringMap';

/** The error botbuilder's own stores raise when a write carries an outdated eTag. */
export function eTagConflict(key: string): Error {
  return new Error(`Storage: error writing "${key}" due to eTag conflict.`);
}

interface Entry {
  json: string;
  eTag: string;
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
export class MemoryStorage implements StateStorage {
  private readonly entries: ExpiringMap<Entry>;

  constructor(private readonly options: MemoryStorageOptions) {
    this.entries = new ExpiringMap(options.now);
  }

  async read(keys: string[]): Promise<StoreItems> {
    if (!keys) throw new ReferenceError('Keys are required when reading.');
    const items: StoreItems = {};
    for (const key of keys) {
      const entry = this.entries.get(key);
      // A copy through JSON, like a network store: callers never share our objects.
      if (entry) items[key] = { ...(JSON.parse(entry.json) as object), eTag: entry.eTag };
    }
    return items;
  }

  async write(changes: StoreItems): Promise<void> {
    if (!changes) throw new ReferenceError('Changes are required when writing.');
    const conflicts: string[] = [];
    for (const [key, item] of Object.entries(changes)) {
      const { eTag, ...document }: StoreItem = item ?? {};
      const current = this.entries.get(key);
      if (eTag && eTag !== '*' && current && current.eTag !== eTag) {
        conflicts.push(key);
        continue;
      }
      if (eTag && eTag !== '*' && !current) {
        // The item was deleted or expired since it was read: someone else's change won.
        conflicts.push(key);
        continue;
      }
      this.entries.set(key, { json: JSON.stringify(document), eTag: randomUUID() }, this.options.ttlMs);
    }
    if (conflicts.length > 0) throw eTagConflict(conflicts.join('", "'));
  }

  async delete(keys: string[]): Promise<void> {
    if (!keys) throw new ReferenceError('Keys are required when deleting.');
    for (const key of keys) this.entries.delete(key);
  }

  close(): void {
    this.entries.close();
  }
}
