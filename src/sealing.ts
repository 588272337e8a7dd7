import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { derivedKey } from './hashing';

/**
 * Text that waits in the store for one reader (a new-key link, a heard voice note), sealed
 * with AES-256-GCM under a key derived from the server secret for one purpose: a copy of the
 * store cannot read it, and a changed byte does not open.
 */
export class Sealer {
  private readonly key: Buffer;

  constructor(secret: string, purpose: string) {
    this.key = derivedKey(secret, purpose);
  }

  seal(text: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
  }

  /** The text, or undefined when it does not open (another key, a changed byte). */
  open(sealed: string): string | undefined {
    try {
      const raw = Buffer.from(sealed, 'base64');
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    } catch {
      return undefined;
    }
  }
}
