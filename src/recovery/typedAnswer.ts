import { distance } from 'fastest-levenshtein';
import { fold } from '../understanding/text';

/**
 * How a directory compares a typed answer to a personal question with the one on file.
 * People type on a phone: "rosa elena guaman" must match "Rosa Elena Guamán".
 *
 * - Case, accents (ñ counts as n), spaces and punctuation do not count: only letters and
 *   digits are compared ("San Gabriel" = "sangabriel", "Rosa-Elena" = "rosa elena").
 * - One slip (a letter wrong, missing or extra) is forgiven when the answer on file has at
 *   least SLIP_FROM_LETTERS letters and digits ("riobamaba" for "Riobamba"); shorter answers
 *   must be exact, or a guess would be too easy ("ana" for "Ani").
 * - Nothing else: not a part of the answer, not the words in another order.
 */
export const SLIP_FROM_LETTERS = 8;

/** An answer as compared: folded, letters and digits only. */
export function comparable(answer: string): string {
  return fold(answer).replace(/[^\p{L}\p{N}]+/gu, '');
}

export function typedAnswerMatches(onFile: string, typed: string): boolean {
  const expected = comparable(onFile);
  const given = comparable(typed.slice(0, 200));
  if (!expected || !given) return false;
  if (expected.length < SLIP_FROM_LETTERS) return expected === given;
  return distance(expected, given) <= 1;
}
