/** Small readings of free text: a typed code, or something that looks like a key. */

/** A 6-digit code as typed: "123456", "123 456", "123-456", "mi código es 123456". */
export function parseCode(text: string): string | undefined {
  if (text.length > 80) return undefined;
  const groups = text.match(/\d[\d\s-]*\d|\d/g) ?? [];
  const codes = groups.map((g) => g.replace(/[\s-]/g, '')).filter((g) => g.length === 6);
  return codes.length === 1 && groups.length === 1 ? codes[0] : undefined;
}

const KEY_WORDS = /\b(mi\s+)?(clave|contrase(n|ñ)a|password|key)\s+(es|era|is|:)\s*[:=]?\s*(\S+)/i;

/**
 * True when a message looks like someone typing their key: "mi clave es juan1985", or one
 * word of 6–15 letters and digits mixed ("Quito2024"). Numbers, codes and words are not.
 */
export function looksLikeKey(text: string): boolean {
  const trimmed = text.trim();
  if (trimmed.length > 200) return false;
  const stated = KEY_WORDS.exec(trimmed);
  if (stated && /^[\p{L}\d]{4,}$/u.test(stated[5].replace(/[.,!]$/, ''))) return true;
  if (/\s/.test(trimmed)) return false;
  return /^[\p{L}\d]{6,15}$/u.test(trimmed) && /\p{L}/u.test(trimmed) && /\d/.test(trimmed);
}
