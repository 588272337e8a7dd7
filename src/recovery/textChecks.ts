import { parseDayMonth } from './birthdate';
import { KEY_MAX, KEY_MIN } from './keyRule';

/** Small readings of free text: a typed code, or something that looks like a key. */

/** A 6-digit code as typed: "123456", "123 456", "123-456", "mi código es 123456". */
export function parseCode(text: string): string | undefined {
  if (text.length > 80) return undefined;
  const groups = text.match(/\d[\d\s-]*\d|\d/g) ?? [];
  if (groups.length !== 1) return undefined;
  const digits = groups[0].replace(/[\s-]/g, '');
  return digits.length === 6 ? digits : undefined;
}

const KEY_MENTION = /\b(clave|contrase[nñ]a|password|key)\b/iu;

/** "mi clave es mariposa": a letters-only key stated as the last word of the message. */
const STATED_WORD = new RegExp(
  `\\b(?:clave|contrase[nñ]a|password|key)\\s*(?:(?:es|era|is|seria|sería)\\s+|[:=]\\s*)(\\p{L}{4,${KEY_MAX}})$`,
  'iu',
);

/** Words that end "mi clave es …" without being a key. Participles are caught by their ending. */
const NOT_A_KEY = new Set([
  'correcta',
  'incorrecta',
  'invalida',
  'inválida',
  'erronea',
  'errónea',
  'nueva',
  'vieja',
  'antigua',
  'otra',
  'igual',
  'diferente',
  'distinta',
  'larga',
  'corta',
  'segura',
  'personal',
  'mia',
  'mía',
  'esta',
  'esa',
  'cual',
  'cuál',
  'wrong',
  'incorrect',
  'invalid',
  'correct',
  'new',
  'old',
  'different',
  'same',
  'mine',
  'this',
  'what',
]);
const PARTICIPLE = /(?:ad|id)[ao]s?$/iu;

/** Letters and digits mixed, as keys are (the key rule's length, no symbols; accents count, as people type them). */
function keyShaped(word: string, minLength: number): boolean {
  if (word.length < minLength || word.length > KEY_MAX || !/^[\p{L}\d]+$/u.test(word)) return false;
  if (!/\p{L}/u.test(word) || !/\d/.test(word)) return false;
  // Not other things people type in this chat: a date, a código dactilar, an option number.
  if (/^[a-z]\d{4}[a-z]\d{4}$/i.test(word) || /^(opci[oó]n|option|op)\d+$/iu.test(word)) return false;
  const date = parseDayMonth(word);
  return !date.ok && date.reason === 'format';
}

/**
 * True when a message looks like someone typing their key: "Quito2024" alone, or a
 * key-shaped word next to "clave"/"contraseña" ("mi clave es juan1985"), or "mi clave es
 * mariposa". Numbers, codes, dates and ordinary sentences are not.
 */
export function looksLikeKey(text: string): boolean {
  if (text.length > 1000) return false;
  const trimmed = text.trim().replace(/[.,;!?]+$/, '');
  const words = trimmed.split(/[\s,;:=]+/).filter(Boolean);
  if (words.length === 1) return keyShaped(words[0], KEY_MIN);
  if (!KEY_MENTION.test(trimmed)) return false;
  if (words.some((w) => keyShaped(w.replace(/[.,;!?"']+$|^["']+/g, ''), 4))) return true;
  const stated = STATED_WORD.exec(trimmed)?.[1];
  return stated !== undefined && !NOT_A_KEY.has(stated.toLowerCase()) && !PARTICIPLE.test(stated);
}
