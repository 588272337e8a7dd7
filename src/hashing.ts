import { createHash, createHmac } from 'node:crypto';

/**
 * The one way an identifier (cédula, RUC, phone number, client address, conversation id,
 * agent name) is written where it could be read (store keys, logs): an HMAC-SHA256 under the
 * server secret. Without the secret nobody can test a guess, and the purpose makes the same
 * number hash differently in each use.
 */
export function keyedHash(secret: string, purpose: string, value: string, length = 32): string {
  return createHmac('sha256', secret).update(`${purpose}\0${value}`).digest('base64url').slice(0, length);
}

/** Random tokens (session ids, reset links) are hashed without a key: their own randomness hides them. */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

/** A 32-byte key for one purpose (sealing, signing), derived from the server secret. */
export function derivedKey(secret: string, purpose: string): Buffer {
  return createHmac('sha256', secret).update(purpose).digest();
}
