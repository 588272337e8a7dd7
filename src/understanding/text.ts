/** How two writings of one word compare: lower case, no accents, "ñ" kept as "n". */
export function fold(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{Diacritic}/gu, '')
    .toLowerCase();
}

/** The words of a message, folded, without punctuation; digits stay words of their own. */
export function words(text: string): string[] {
  return fold(text)
    .replace(/(\d)(\p{L})/gu, '$1 $2')
    .replace(/(\p{L})(\d)/gu, '$1 $2')
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
}

const PHRASE_CACHE_SIZE = 5_000;
const phraseCache = new Map<string, readonly string[]>();

/**
 * `words` of a phrase the bot itself holds (option labels, synonyms, locale word lists), kept
 * because every turn reads them again; a person's message goes through `words`. Bounded: the
 * cache starts over when full (labels include the employers of whoever is being asked).
 */
export function phraseWords(phrase: string): readonly string[] {
  let cached = phraseCache.get(phrase);
  if (!cached) {
    if (phraseCache.size >= PHRASE_CACHE_SIZE) phraseCache.clear();
    cached = Object.freeze(words(phrase));
    phraseCache.set(phrase, cached);
  }
  return cached;
}

/** True when `phrase` (already folded words) appears in `haystack` as whole words, in order. */
export function containsPhrase(haystack: readonly string[], phrase: readonly string[]): boolean {
  if (!phrase.length || phrase.length > haystack.length) return false;
  outer: for (let i = 0; i + phrase.length <= haystack.length; i++) {
    for (let j = 0; j < phrase.length; j++) if (haystack[i + j] !== phrase[j]) continue outer;
    return true;
  }
  return false;
}
