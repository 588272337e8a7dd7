import { type Language, LOCALES, LOCALES_DIR, type Locale, type Texts } from '../i18n';
import { readIntentExamples } from '../nlu/recognizer';
import { LanguageGuesser } from './language';
import { RegisterReader } from './register';
import { type IntentGuess, type Lexicon, Understanding } from './understand';

/** The words a reading needs, from locales (read once per locale). */
export function lexiconFrom(texts: Texts): (locale: Locale) => Lexicon {
  const cache = new Map<Locale, Lexicon>();
  return (locale) => {
    let lexicon = cache.get(locale);
    if (!lexicon) {
      lexicon = {
        numbers: texts.list(locale, 'common:numberWords'),
        ordinals: texts.list(locale, 'understanding:ordinals'),
        last: texts.list(locale, 'understanding:last'),
        fillers: texts.list(locale, 'understanding:fillers'),
        dontKnow: texts.list(locale, 'understanding:dontKnowPhrases'),
        typedLeadIns: texts.list(locale, 'understanding:typedLeadIns'),
      };
      cache.set(locale, lexicon);
    }
    return lexicon;
  };
}

/** The app's one understanding: the intent model's `recognize(text, locale)` plus the locales' words. */
export function createUnderstanding(nlu: { recognize(text: string, locale: Locale): Promise<IntentGuess> }, texts: Texts): Understanding {
  return new Understanding({ recognize: (text, locale) => nlu.recognize(text, locale), lexicon: lexiconFrom(texts) });
}

/** Language guesses from the intent model's own example sentences in each locale. */
export function createLanguageGuesser(texts: Texts, localesDir = LOCALES_DIR): LanguageGuesser {
  const vocabulary = {} as Record<Language, string[]>;
  const names = {} as Record<Language, readonly string[]>;
  for (const locale of LOCALES) {
    // `none` examples are names, dates and stray words (company names are Spanish in both).
    const { none: _names, ...requests } = readIntentExamples(localesDir, locale);
    vocabulary[locale] = Object.values(requests).flat();
    names[locale] = texts.list(locale, 'understanding:languageNames');
  }
  return new LanguageGuesser(vocabulary, names);
}

/** Tells usted from tú in what people write, from the Spanish phrases in locales. */
export function createRegisterReader(texts: Texts): RegisterReader {
  return new RegisterReader({
    usted: texts.list('es-EC', 'understanding:ustedPhrases'),
    tu: texts.list('es-EC', 'understanding:tuPhrases'),
  });
}
