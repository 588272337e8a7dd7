import type { KeyValueStore } from '../store/keyValue';

export type PresenceStatus = 'available' | 'away';

/**
 * Who is at the console and ready to serve, on the shared store so every instance agrees.
 * An agent is available while their console is open (its event stream refreshes the key)
 * and they have not chosen "away"; a closed console lapses to away within `lapseMs`.
 */
export class Presence {
  constructor(
    private readonly store: KeyValueStore,
    private readonly lapseMs: number,
  ) {}

  private key(name: string): string {
    return `handoff:presence:${name}`;
  }

  async set(name: string, status: PresenceStatus): Promise<void> {
    await this.store.set(this.key(name), status, this.lapseMs);
  }

  /** The console is still open: keeps the chosen status (a new console starts available). */
  async keepAlive(name: string): Promise<PresenceStatus> {
    if (await this.store.touch(this.key(name), this.lapseMs)) return this.of(name);
    await this.set(name, 'available');
    return 'available';
  }

  async of(name: string): Promise<PresenceStatus> {
    return (await this.store.get(this.key(name))) === 'available' ? 'available' : 'away';
  }

  async all(names: string[]): Promise<Map<string, PresenceStatus>> {
    const statuses = await Promise.all(names.map((n) => this.of(n)));
    return new Map(names.map((n, i) => [n, statuses[i]]));
  }
}
