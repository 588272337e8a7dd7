import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { derivedKey, keyedHash } from '../../hashing';
import type { KeyValueStore } from '../../store/keyValue';

/** A transcript waits this long for the person's "sí". */
const HOLD_MS = 10 * 60_000;

/**
 * What a voice note said, held until the person confirms it (it may carry a cédula, a code or
 * a date, which a mishearing would turn into a wrong answer). Kept in the shared store under a
 * keyed hash of the number, encrypted (AES-256-GCM under a key derived from the server
 * secret), read once.
 */
export class HeardTranscripts {
  private readonly key: Buffer;

  constructor(
    private readonly store: KeyValueStore,
    private readonly secret: string,
  ) {
    this.key = derivedKey(secret, 'whatsapp-heard');
  }

  private storeKey(address: string): string {
    return `wa:heard:${keyedHash(this.secret, 'wa-heard', address)}`;
  }

  async hold(address: string, transcript: string): Promise<void> {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const sealed = Buffer.concat([cipher.update(transcript, 'utf8'), cipher.final()]);
    await this.store.set(this.storeKey(address), Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64'), HOLD_MS);
  }

  /** The transcript waiting for this person, removed; undefined when none (or it does not open). */
  async take(address: string): Promise<string | undefined> {
    const stored = await this.store.take(this.storeKey(address));
    if (!stored) return undefined;
    try {
      const raw = Buffer.from(stored, 'base64');
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    } catch {
      return undefined;
    }
  }
}
