import { LOCALES, type Locale, type Texts } from '../src/i18n';
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

/**
 * Sí / No, chosen also by the affirm / deny intents and by any `more` intents a question adds.
 * Either language's words count: someone chatting in English still answers «sí».
 */
export const yesNoOptions = (texts: Texts, locale: Locale, more: { yes?: string[]; no?: string[] } = {}) =>
  localOptions(texts, locale, 'common', ['yes', 'no'], { yes: ['affirm', ...(more.yes ?? [])], no: ['deny', ...(more.no ?? [])] }).map(
    (choice) => ({
      ...choice,
      synonyms: [...new Set(LOCALES.flatMap((language) => texts.list(language, `common:synonyms.${choice.value}`)))],
    }),
  );

/**
 * `choices` where each value in `words` is also chosen by the words under its locale key, in
 * every language: «intentar de nuevo» answers «¿Quieres intentarlo de nuevo?» as a «sí» would.
 */
export const alsoChosenBy = (texts: Texts, choices: Choice[], words: Partial<Record<string, string>>): Choice[] =>
  choices.map((choice) => {
    const key = words[choice.value];
    if (!key) return choice;
    return { ...choice, synonyms: [...new Set([...(choice.synonyms ?? []), ...LOCALES.flatMap((language) => texts.list(language, key))])] };
  });
