/** How two writings of one word compare: lower case, no accents, "ñ" kept as "n". */
export function fold(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{Diacritic}/gu, '')
    .toLowerCase();
}

const WORDS_CACHE_SIZE = 5_000;
const WORDS_CACHE_MAX_LENGTH = 1_000;
const wordsCache = new Map<string, readonly string[]>();

/**
 * The words of a message or a phrase, folded, without punctuation; digits stay words of their
 * own. Kept, because one turn reads the same message in several ways (its language, its
 * register, its values, its options) and every turn reads the same option labels again.
 * Bounded and in this process only: the cache starts over when full.
 */
export function words(text: string): readonly string[] {
  let cached = wordsCache.get(text);
  if (!cached) {
    cached = Object.freeze(split(text));
    if (text.length > WORDS_CACHE_MAX_LENGTH) return cached;
    if (wordsCache.size >= WORDS_CACHE_SIZE) wordsCache.clear();
    wordsCache.set(text, cached);
  }
  return cached;
}

function split(text: string): string[] {
  return fold(text)
    .replace(/(\d)(\p{L})/gu, '$1 $2')
    .replace(/(\p{L})(\d)/gu, '$1 $2')
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
}

/** True when `phrase` (already folded words) stands in `haystack` from index `i`. */
export function phraseAt(haystack: readonly string[], phrase: readonly string[], i: number): boolean {
  for (let j = 0; j < phrase.length; j++) if (haystack[i + j] !== phrase[j]) return false;
  return true;
}

/** True when `phrase` (already folded words) appears in `haystack` as whole words, in order. */
export function containsPhrase(haystack: readonly string[], phrase: readonly string[]): boolean {
  if (!phrase.length) return false;
  for (let i = 0; i + phrase.length <= haystack.length; i++) if (phraseAt(haystack, phrase, i)) return true;
  return false;
}

/** Words that turn what follows around ("t" is what is left of "don't" once split). */
const NEGATORS = new Set(['no', 'nunca', 'ni', 'tampoco', 'jamas', 'not', 'never', 't', 'cannot']);
/** How far back a negation reaches: "ese no es mi correo", "no sé si tengo acceso". */
const NEGATION_REACH = 3;

/**
 * True when `phrase` is in `haystack` and not negated just before it: "es mi correo" is not
 * said in "ese no es mi correo". A phrase that is itself a negation ("no me llega") counts as is.
 */
export function affirmsPhrase(haystack: readonly string[], phrase: readonly string[]): boolean {
  if (!phrase.length) return false;
  const negated = (i: number) => haystack.slice(Math.max(0, i - NEGATION_REACH), i).some((word) => NEGATORS.has(word));
  for (let i = 0; i + phrase.length <= haystack.length; i++)
    if (phraseAt(haystack, phrase, i) && (NEGATORS.has(phrase[0]) || !negated(i))) return true;
  return false;
}
