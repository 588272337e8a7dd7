import type { Locale, Texts } from '../src/i18n';
import type { Choice } from './choices';

/**
 * Builds choices whose labels and synonyms come from locales (`<ns>:options.<value>`,
 * `<ns>:synonyms.<value>`); `intents` names, per value, the intents that also select it.
 */
export function localOptions(
  texts: Texts,
  locale: Locale,
  ns: string,
  values: readonly string[],
  intents: Partial<Record<string, readonly string[]>> = {},
): Choice[] {
  return values.map((value) => ({
    value,
    label: texts.t(locale, `${ns}:options.${value}`),
    synonyms: texts.list(locale, `${ns}:synonyms.${value}`),
    intents: intents[value],
  }));
}

export const yesNoOptions = (texts: Texts, locale: Locale) =>
  localOptions(texts, locale, 'common', ['yes', 'no'], { yes: ['affirm'], no: ['deny'] });
