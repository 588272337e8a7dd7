import { eng, spa } from 'stopword';
import type { Language } from '../i18n';
import { words } from './text';

/**
 * Tells when a message is clearly in one language. The vocabulary is what the intent model
 * is trained on in each locale plus each language's stopwords; a word both languages use
 * ("ok", "no", "iess") counts for neither. Clear means: at least two words only that
 * language uses and none only the other uses, or a request for it by name ("in english").
 */
export class LanguageGuesser {
  private readonly only: Record<Language, Set<string>>;
  /** The first word of each name of each language ("english", "ingles"), folded. */
  private readonly names: Array<[Language, Set<string>]>;

  constructor(
    vocabulary: Record<Language, Iterable<string>>,
    /** Words that ask for a language by name, per locale ("english", "ingles"). */
    names: Record<Language, readonly string[]>,
  ) {
    this.names = (['en', 'es-EC'] as const).map((locale) => [locale, new Set(names[locale].map((name) => words(name)[0] ?? ''))]);
    const es = new Set([...vocabulary['es-EC'], ...spa].flatMap((w) => words(w)));
    const en = new Set([...vocabulary.en, ...eng].flatMap((w) => words(w)));
    this.only = {
      'es-EC': new Set([...es].filter((w) => !en.has(w) && w.length > 1)),
      en: new Set([...en].filter((w) => !es.has(w) && w.length > 1)),
    };
  }

  /**
   * The language a message asks for or is clearly written in; `asked` when it asked by name.
   * `ignore`: words that say nothing about the person's language (the options on screen, often Spanish names).
   */
  read(text: string, ignore: Iterable<string> = []): { language: Language; asked: boolean } | undefined {
    const asked = this.requested(text);
    if (asked) return { language: asked, asked: true };
    const written = this.written(text, new Set([...ignore].flatMap((w) => words(w))));
    return written && { language: written, asked: false };
  }

  guess(text: string, ignore: Iterable<string> = []): Language | undefined {
    return this.read(text, ignore)?.language;
  }

  /** A short message naming a language asks for it: "en español por favor", "english please". */
  private requested(text: string): Language | undefined {
    const tokens = words(text.slice(0, 300)).filter((w) => /\p{L}/u.test(w));
    if (tokens.length > 5) return undefined;
    return this.names.find(([, names]) => tokens.some((w) => names.has(w)))?.[0];
  }

  private written(text: string, ignore: Set<string>): Language | undefined {
    // Each word counts once: "taller de costura hilos de cuenca" has one Spanish word, not two.
    const tokens = [...new Set(words(text.slice(0, 300)))].filter((w) => /\p{L}/u.test(w) && !ignore.has(w));
    const en = tokens.filter((w) => this.only.en.has(w)).length;
    const es = tokens.filter((w) => this.only['es-EC'].has(w)).length;
    if (en >= 2 && es === 0) return 'en';
    if (es >= 2 && en === 0) return 'es-EC';
    if (en >= 4 && en >= 4 * es) return 'en';
    if (es >= 4 && es >= 4 * en) return 'es-EC';
    return undefined;
  }
}
