import { keyedHash } from '../../hashing';
import type { KeyValueStore } from '../../store/keyValue';

/**
 * WhatsApp's customer-service window: free-form messages may be sent only within a set
 * time (24 h) after the person's last message. The last-message time lives in the shared
 * store (so every instance agrees), under a keyed hash of the number, and expires with
 * the window.
 */
export class ServiceWindow {
  constructor(
    private readonly store: KeyValueStore,
    private readonly windowMs: number,
    private readonly secret: string,
  ) {}

  private key(address: string): string {
    return `wa:window:${keyedHash(this.secret, 'wa-window', address)}`;
  }

  async touch(address: string, at = Date.now()): Promise<void> {
    await this.store.set(this.key(address), String(at), this.windowMs);
  }

  /** When the window closes: the person's last message plus the window; undefined when they have not written within it. */
  async closesAt(address: string): Promise<number | undefined> {
    const last = Number(await this.store.get(this.key(address)));
    return Number.isFinite(last) && last > 0 ? last + this.windowMs : undefined;
  }

  async isOpen(address: string, now = Date.now()): Promise<boolean> {
    return now < ((await this.closesAt(address)) ?? 0);
  }
}
