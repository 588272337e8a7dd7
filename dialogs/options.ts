import type { Locale, Texts } from '../src/i18n';
import type { Option } from './choices';

/** Builds options whose labels and synonyms come from locales: `<ns>:options.<value>` and `<ns>:synonyms.<value>`. */
export function localOptions(texts: Texts, locale: Locale, ns: string, values: string[]): Option[] {
  return values.map((value) => ({
    value,
    label: texts.t(locale, `${ns}:options.${value}`),
    synonyms: texts.list(locale, `${ns}:synonyms.${value}`),
  }));
}

export const yesNoOptions = (texts: Texts, locale: Locale) => localOptions(texts, locale, 'common', ['yes', 'no']);
