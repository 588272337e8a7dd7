import i18next, { type i18n } from 'i18next';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LOCALES_DIR } from './paths';

/** The languages a conversation can be in. */
export const LOCALES = ['es-EC', 'en'] as const;
export type Language = (typeof LOCALES)[number];

/**
 * Spanish addressed as usted («¿Tiene acceso a este correo?»): a catalogue of its own in
 * locales/es-EC-x-usted/ (a private-use BCP 47 tag), with every sentence the bot says. What
 * people write (intent examples, synonyms, word lists) is read from es-EC.
 */
export const USTED = 'es-EC-x-usted';
/** A catalogue the text is read from: a language, or Spanish in usted. */
export type Locale = Language | typeof USTED;
export const CATALOGUES: readonly Locale[] = [...LOCALES, USTED];

/** How the bot addresses people in Spanish (TONE): tú by default. */
export type Tone = 'tu' | 'usted';

/** The language a catalogue is written in. */
export function languageOf(locale: Locale): Language {
  return locale === USTED ? 'es-EC' : locale;
}

/** The catalogue for a language in a tone: usted only changes Spanish. */
export function inTone(locale: Locale, tone: Tone | undefined): Locale {
  return tone === 'usted' && locale === 'es-EC' ? USTED : locale;
}

export { LOCALES_DIR };

/** Reads locales/<catalogue>/<namespace>.json into i18next's resource shape. */
export function readLocaleFiles(dir = LOCALES_DIR): Record<string, Record<string, unknown>> {
  const resources: Record<string, Record<string, unknown>> = {};
  for (const locale of CATALOGUES) {
    resources[locale] = {};
    for (const file of readdirSync(join(dir, locale)).filter((f) => f.endsWith('.json'))) {
      resources[locale][file.replace(/\.json$/, '')] = JSON.parse(readFileSync(join(dir, locale, file), 'utf8'));
    }
  }
  return resources;
}

/**
 * Picks the closest catalogue for a locale tag ("es-ES" → es-EC, "en-US" → en); our own
 * es-EC-x-usted, which a conversation in usted carries on its activities, links and tickets, is kept.
 */
export function pickLocale(tag: string | undefined, fallback: Locale = 'es-EC'): Locale {
  if (!tag) return fallback;
  const lower = tag.toLowerCase();
  if (lower === USTED.toLowerCase()) return USTED;
  return lower.startsWith('en') ? 'en' : lower.startsWith('es') ? 'es-EC' : fallback;
}

/** The facts an operator configures, as every sentence may use them ({{phone}}, {{site}}, …). */
export interface Facts {
  phone: string;
  phoneWeekdays: string;
  phoneWeekends: string;
  phoneOption: string;
  site: string;
  institution: string;
  /** Empty: each locale's `common:assistantDefault`. */
  assistant?: string;
}

export function factsFrom(config: {
  IESS_PHONE: string;
  IESS_PHONE_WEEKDAYS: string;
  IESS_PHONE_WEEKENDS: string;
  IESS_PHONE_OPTION: string;
  IESS_SITE: string;
  INSTITUTION_NAME: string;
  ASSISTANT_NAME?: string;
}): Facts {
  return {
    phone: config.IESS_PHONE,
    phoneWeekdays: config.IESS_PHONE_WEEKDAYS,
    phoneWeekends: config.IESS_PHONE_WEEKENDS,
    phoneOption: config.IESS_PHONE_OPTION,
    site: config.IESS_SITE,
    institution: config.INSTITUTION_NAME,
    assistant: config.ASSISTANT_NAME,
  };
}

/** The official site as a link: the configured address, with https:// unless it names its scheme. */
export function siteUrl(site: string): string {
  return /^https?:\/\//i.test(site) ? site : `https://${site}`;
}

/** FACTS.md's defaults, for tests and tools that build texts without a configuration. */
export const DEFAULT_FACTS: Facts = {
  phone: '140',
  phoneWeekdays: '07:00–19:00',
  phoneWeekends: '08:00–14:00',
  phoneOption: '4',
  site: 'www.iess.gob.ec',
  institution: 'IESS',
};

export type Translate = (key: string, vars?: Record<string, unknown>) => string;

/**
 * Every sentence users read. Keys are "namespace:path"; `facts` (phone line, site, …)
 * are available to every sentence so operators change them in configuration only. With
 * `tone` usted, Spanish is read from the usted catalogue; a conversation whose person writes
 * in usted asks for USTED itself.
 */
export class Texts {
  private readonly i18n: i18n;

  /** The assistant's own name depends on the language when the operator gives none. */
  private readonly localFacts: Record<Locale, { assistant: string }>;

  constructor(
    facts: Facts = DEFAULT_FACTS,
    private readonly tone: Tone = 'tu',
    dir = LOCALES_DIR,
  ) {
    this.i18n = i18next.createInstance();
    void this.i18n.init({
      resources: readLocaleFiles(dir) as never,
      lng: 'es-EC',
      // What people write is kept once, in es-EC; a sentence missing in usted reads as tú
      // rather than as its key (test/tone.test.ts keeps the catalogue complete).
      fallbackLng: { [USTED]: ['es-EC'], default: [] },
      defaultNS: 'common',
      initAsync: false,
      returnNull: false,
      interpolation: { escapeValue: false, defaultVariables: { ...facts } },
      showSupportNotice: false,
    } as never);
    const assistant = (locale: Locale): string => facts.assistant || this.i18n.t('common:assistantDefault', { lng: locale });
    this.localFacts = Object.fromEntries(CATALOGUES.map((l) => [l, { assistant: assistant(l) }])) as Texts['localFacts'];
  }

  /** The catalogue a locale is read from in the configured tone. */
  private lng(locale: Locale): Locale {
    return inTone(locale, this.tone);
  }

  t(locale: Locale, key: string, vars?: Record<string, unknown>): string {
    const lng = this.lng(locale);
    if (vars) return this.i18n.t(key, { lng, ...this.localFacts[lng], ...vars });
    return this.remember(`t\0${lng}\0${key}`, (): string => this.i18n.t(key, { lng, ...this.localFacts[lng] }));
  }

  /** A list of sentences (e.g. example phrases) stored as a JSON array. */
  list(locale: Locale, key: string): readonly string[] {
    const lng = this.lng(locale);
    return this.remember(`list\0${lng}\0${key}`, () => {
      const v = this.i18n.t(key, { lng, returnObjects: true });
      return Object.freeze(Array.isArray(v) ? [...(v as string[])] : []);
    });
  }

  /** Sentences without variables never change: each is looked up once (i18next was ~5 % of a turn's CPU). */
  private readonly known = new Map<string, unknown>();

  private remember<T>(id: string, read: () => T): T {
    if (!this.known.has(id)) this.known.set(id, read());
    return this.known.get(id) as T;
  }

  /** The stored value (a sentence, a list, a group), without interpolation. */
  raw(locale: Locale, key: string): unknown {
    const [ns, path] = key.includes(':') ? key.split(/:(.*)/s, 2) : ['common', key];
    const read = (lng: Locale) =>
      path
        .split('.')
        .reduce<unknown>((node, part) => (node as Record<string, unknown> | undefined)?.[part], this.i18n.getResourceBundle(lng, ns));
    const lng = this.lng(locale);
    return read(lng) ?? (lng === USTED ? read('es-EC') : undefined);
  }

  exists(locale: Locale, key: string): boolean {
    return this.i18n.exists(key, { lng: this.lng(locale) });
  }

  for(locale: Locale): Translate {
    return (key, vars) => this.t(locale, key, vars);
  }
}
