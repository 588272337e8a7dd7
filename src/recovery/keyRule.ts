import { dictionary } from '@zxcvbn-ts/language-common';
import type { KeyOwnerFacts } from './types';

/**
 * The one rule for a new IESS key (FACTS.md, NIST 800-63B §3.1.1.2, ASVS V2.1): the IESS
 * format is the outer limit, since the key must work on the IESS system; within it, the
 * commonest keys, easy runs and the person's own cédula or birth date are refused.
 */

export const KEY_MIN = 6;
export const KEY_MAX = 15;

/** Each maps to `newkey:reasons.<reason>`, in the order a person should fix them. */
export const KEY_REASONS = ['too_short', 'too_long', 'symbols', 'personal', 'common', 'sequence', 'mismatch'] as const;
export type KeyReason = (typeof KEY_REASONS)[number];

/** How many of the list's commonest keys are refused (it is ordered by frequency). */
const COMMON_KEYS_REFUSED = 10_000;
/** Shorter digit groups are too frequent by chance to call "your cédula" or "your birth date". */
const PERSONAL_DIGITS_MIN = 4;

/** The IESS format alone: 6 to 15 letters and/or digits, ASCII only (accents and ñ count as symbols). */
export function keyFormatProblem(key: string): 'too_short' | 'too_long' | 'symbols' | undefined {
  if (key.length < KEY_MIN) return 'too_short';
  if (key.length > KEY_MAX) return 'too_long';
  if (!/^[A-Za-z0-9]+$/.test(key)) return 'symbols';
  return undefined;
}

/** The first thing wrong with a new key and its confirmation, or undefined when it may be set. */
export function keyProblem(key: string, confirm: string, owner: KeyOwnerFacts): KeyReason | undefined {
  const format = keyFormatProblem(key);
  if (format) return format;
  const lower = key.toLowerCase();
  if (isPersonal(lower, owner)) return 'personal';
  if (commonKeys().has(lower)) return 'common';
  if (isEasyRun(lower)) return 'sequence';
  return key === confirm ? undefined : 'mismatch';
}

let common: Set<string> | undefined;

/** zxcvbn-ts's frequency-ordered list (from public password leaks), all lower case. */
function commonKeys(): Set<string> {
  common ??= new Set(dictionary['passwords-common'].slice(0, COMMON_KEYS_REFUSED));
  return common;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** The ways people write a birth date inside a key: 15031985, 150385, 1503, 0315, 1985, 19850315, 1531985… */
export function birthDateForms(isoDate: string): string[] {
  const [y, m, d] = isoDate.split('-').map(Number);
  const yyyy = String(y);
  const yy = yyyy.slice(2);
  const [dd, mm] = [pad(d), pad(m)];
  const forms = [
    dd + mm,
    mm + dd,
    dd + mm + yyyy,
    dd + mm + yy,
    mm + dd + yyyy,
    mm + dd + yy,
    yyyy + mm + dd,
    yy + mm + dd,
    yyyy,
    mm + yyyy,
    yyyy + mm,
    `${d}${m}${yyyy}`,
    `${d}${m}${yy}`,
    `${m}${d}${yyyy}`,
  ];
  return [...new Set(forms.filter((f) => f.length >= PERSONAL_DIGITS_MIN))];
}

/** A group of digits that holds a birth-date form, or 4+ digits in a row from the cédula/RUC. */
function isPersonal(key: string, owner: KeyOwnerFacts): boolean {
  const dates = owner.birthDate ? birthDateForms(owner.birthDate) : [];
  for (const group of key.match(/\d{4,}/g) ?? []) {
    if (dates.some((form) => group.includes(form))) return true;
    for (let i = 0; i + PERSONAL_DIGITS_MIN <= group.length; i++) {
      const piece = group.slice(i, i + PERSONAL_DIGITS_MIN);
      if (owner.numbers.some((n) => n.includes(piece))) return true;
    }
  }
  return false;
}

const KEYBOARD_ROWS = ['1234567890', 'qwertyuiop', 'asdfghjkl', 'zxcvbnm'];

/** One easy piece: a repeated character, a step of ±1 (abc, 987), a keyboard row, or a short unit repeated (1212, abab). */
function isEasyPiece(piece: string): boolean {
  if (piece.length === 1) return true;
  if (KEYBOARD_ROWS.some((row) => row.includes(piece) || [...row].reverse().join('').includes(piece))) return true;
  const sameClass = /^(\d+|[a-z]+)$/.test(piece);
  const step = piece.charCodeAt(1) - piece.charCodeAt(0);
  if (sameClass && Math.abs(step) <= 1 && [...piece].every((c, i) => i === 0 || c.charCodeAt(0) - piece.charCodeAt(i - 1) === step)) {
    return true;
  }
  for (let unit = 2; unit <= 3 && unit * 2 <= piece.length; unit++) {
    if (piece.length % unit === 0 && piece === piece.slice(0, unit).repeat(piece.length / unit)) return true;
  }
  return false;
}

/** 111111, abc123, 123456789, qwerty1, a1a1a1: the whole key is at most two easy pieces. */
function isEasyRun(key: string): boolean {
  // fewest[i]: fewest easy pieces that make up key[0..i).
  const fewest = [0, ...Array<number>(key.length).fill(Number.POSITIVE_INFINITY)];
  for (let end = 1; end <= key.length; end++) {
    for (let start = 0; start < end; start++) {
      if (isEasyPiece(key.slice(start, end))) fewest[end] = Math.min(fewest[end], fewest[start] + 1);
    }
  }
  return fewest[key.length] <= 2;
}
