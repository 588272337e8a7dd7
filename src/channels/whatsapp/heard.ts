import { keyedHash } from '../../hashing';
import { Sealer } from '../../sealing';
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
  private readonly sealer: Sealer;

  constructor(
    private readonly store: KeyValueStore,
    private readonly secret: string,
  ) {
    this.sealer = new Sealer(secret, 'whatsapp-heard');
  }

  private storeKey(address: string): string {
    return `wa:heard:${keyedHash(this.secret, 'wa-heard', address)}`;
  }

  async hold(address: string, transcript: string): Promise<void> {
    await this.store.set(this.storeKey(address), this.sealer.seal(transcript), HOLD_MS);
  }

  /** The transcript waiting for this person, removed; undefined when none (or it does not open). */
  async take(address: string): Promise<string | undefined> {
    const stored = await this.store.take(this.storeKey(address));
    return stored ? this.sealer.open(stored) : undefined;
  }
}
