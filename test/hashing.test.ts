import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { keyedHash } from '../src/hashing';

const plain = (secret: string, purpose: string, value: string) =>
  createHmac('sha256', secret).update(`${purpose}\0${value}`).digest('base64url').slice(0, 32);

describe('keyed hashes of identifiers', () => {
  it('are HMAC-SHA256 under the secret, the same when asked again', () => {
    const secret = 'clave-del-servidor-ñandú-0123456789abcdef';
    expect(keyedHash(secret, 'lock', 'whatsapp:+593991234567')).toBe(plain(secret, 'lock', 'whatsapp:+593991234567'));
    expect(keyedHash(secret, 'lock', 'whatsapp:+593991234567')).toBe(plain(secret, 'lock', 'whatsapp:+593991234567'));
    expect(keyedHash(secret, 'lock', 'whatsapp:+593991234567', 12)).toHaveLength(12);
  });

  it('differ by purpose and by secret', () => {
    const a = 'a-secret-with-enough-length-0123456789';
    const b = 'another-secret-with-enough-length-0123';
    expect(keyedHash(a, 'lock', '1714307103')).not.toBe(keyedHash(a, 'state', '1714307103'));
    expect(keyedHash(a, 'lock', '1714307103')).not.toBe(keyedHash(b, 'lock', '1714307103'));
    expect(keyedHash(b, 'lock', '1714307103')).toBe(plain(b, 'lock', '1714307103'));
  });

  it('stay right past the number kept, and for many secrets', () => {
    const secret = 'one-more-secret-with-enough-length-0123';
    for (let i = 0; i < 25_000; i += 1) keyedHash(secret, 'conv', `c-${i}`);
    for (const i of [0, 9_999, 10_000, 24_999]) expect(keyedHash(secret, 'conv', `c-${i}`)).toBe(plain(secret, 'conv', `c-${i}`));
    for (let s = 0; s < 40; s += 1) expect(keyedHash(`secret-${s}`, 'p', 'v')).toBe(plain(`secret-${s}`, 'p', 'v'));
  });
});
