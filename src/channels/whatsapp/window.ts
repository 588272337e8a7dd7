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

  async isOpen(address: string, now = Date.now()): Promise<boolean> {
    const last = Number(await this.store.get(this.key(address)));
    return Number.isFinite(last) && now - last < this.windowMs;
  }
}
