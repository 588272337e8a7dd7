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

/** Sí / No, chosen also by the affirm / deny intents and by any `more` intents a question adds. */
export const yesNoOptions = (texts: Texts, locale: Locale, more: { yes?: string[]; no?: string[] } = {}) =>
  localOptions(texts, locale, 'common', ['yes', 'no'], { yes: ['affirm', ...(more.yes ?? [])], no: ['deny', ...(more.no ?? [])] });
