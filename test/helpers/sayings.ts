import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Recognises what the bot said by the locale keys behind it, not by exact sentences: a
 * message "shows" a key when it holds that key's text, its {{variables}} standing for
 * anything. Accents, case, emphasis marks and spacing are ignored (WhatsApp turns **bold**
 * into *bold*), so a rewording in locales/ keeps the conversations working.
 */

const LOCALES_DIR = join(__dirname, '..', '..', 'locales');
/** Spanish in tú, English, and Spanish in usted (its own catalogue, same keys). */
const LOCALES = ['es-EC', 'en', 'es-EC-x-usted'] as const;
export type SayingLocale = (typeof LOCALES)[number];
export const USTED: SayingLocale = 'es-EC-x-usted';

/** Shorter fixed text than this is too common to tell a key apart ("Sí", "{{agent}}: {{text}}"). */
const MIN_FIXED_CHARS = 12;

export const fold = (text: string) =>
  text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().replace(/[*_`]/g, '').replace(/\s+/g, ' ').trim();

interface Template {
  key: string;
  locale: SayingLocale;
  pieces: string[];
}

export interface Shown {
  key: string;
  locale: SayingLocale;
  /** Where the key's text ends in the folded message: the last question asked ends last. */
  end: number;
}

function flatten(prefix: string, value: unknown, into: Map<string, string>): void {
  if (typeof value === 'string') into.set(prefix, value);
  else if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flatten(prefix.endsWith(':') ? `${prefix}${k}` : `${prefix}.${k}`, v, into);
  }
}

function load(): Template[] {
  const templates: Template[] = [];
  for (const locale of LOCALES) {
    for (const file of readdirSync(join(LOCALES_DIR, locale)).filter((f) => f.endsWith('.json'))) {
      const namespace = file.replace(/\.json$/, '');
      if (namespace === 'intents') continue;
      const strings = new Map<string, string>();
      flatten(`${namespace}:`, JSON.parse(readFileSync(join(LOCALES_DIR, locale, file), 'utf8')), strings);
      for (const [rawKey, text] of strings) {
        // i18next plurals (wait_one, wait_other) are one saying.
        const key = rawKey.replace(/_(one|other|zero|few|many)$/, '');
        const pieces = text
          .split(/\{\{[^}]+\}\}/)
          .map(fold)
          .filter(Boolean);
        if (pieces.join('').length >= MIN_FIXED_CHARS) templates.push({ key, locale, pieces });
      }
    }
  }
  return templates;
}

const templates = load();

/** Every locale key whose text the message holds, with where it ends. */
export function sayingsIn(message: string): Shown[] {
  const text = fold(message);
  const found = new Map<string, Shown>();
  for (const { key, locale, pieces } of templates) {
    let at = 0;
    let end = -1;
    for (const piece of pieces) {
      const i = text.indexOf(piece, at);
      if (i < 0) {
        end = -1;
        break;
      }
      at = i + piece.length;
      end = at;
    }
    const id = `${key}@${locale}`;
    if (end >= 0 && (found.get(id)?.end ?? -1) < end) found.set(id, { key, locale, end });
  }
  return [...found.values()];
}

/**
 * The keys a message says in one Spanish register only: found in its catalogue and not in the
 * other (a sentence both registers say alike, «Preguntas frecuentes», is found in both).
 */
export function saidOnlyIn(message: string, register: 'es-EC' | typeof USTED): string[] {
  const shown = sayingsIn(message);
  const other = new Set(shown.filter((s) => s.locale === (register === USTED ? 'es-EC' : USTED)).map((s) => s.key));
  return shown.filter((s) => s.locale === register && !other.has(s.key)).map((s) => s.key);
}

/** Whether the key exists in the locales (a conversation naming a missing key is a typo). */
export function isKnownKey(key: string): boolean {
  return templates.some((t) => t.key === key);
}
