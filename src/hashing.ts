import { createHash, createHmac, createSecretKey } from 'node:crypto';

/**
 * The one way an identifier (cédula, RUC, phone number, client address, conversation id,
 * agent name) is written where it could be read (store keys, logs): an HMAC-SHA256 under the
 * server secret. Without the secret nobody can test a guess, and the purpose makes the same
 * number hash differently in each use.
 */
export function keyedHash(secret: string, purpose: string, value: string, length = 32): string {
  return hashesUnder(secret).get(`${purpose}\0${value}`).slice(0, length);
}

const HASHES_KEPT = 10_000;
const hashes = new Map<string, { get(input: string): string }>();

/**
 * Every turn hashes the same few identifiers again (its conversation's lock, state and limit
 * keys): the hashes are kept, per secret, bounded (started over when full), in this process only.
 */
function hashesUnder(secret: string) {
  let kept = hashes.get(secret);
  if (!kept) {
    const key = createSecretKey(Buffer.from(secret));
    const digests = new Map<string, string>();
    kept = {
      get(input) {
        let digest = digests.get(input);
        if (digest === undefined) {
          digest = createHmac('sha256', key).update(input).digest('base64url');
          if (digests.size >= HASHES_KEPT) digests.clear();
          digests.set(input, digest);
        }
        return digest;
      },
    };
    // Tests build apps with many secrets; a process serving people has one.
    if (hashes.size >= 16) hashes.clear();
    hashes.set(secret, kept);
  }
  return kept;
}

/** Random tokens (session ids, reset links) are hashed without a key: their own randomness hides them. */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

/** A 32-byte key for one purpose (sealing, signing), derived from the server secret. */
export function derivedKey(secret: string, purpose: string): Buffer {
  return createHmac('sha256', secret).update(purpose).digest();
}
