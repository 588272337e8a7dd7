import i18next, { type i18n } from 'i18next';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LOCALES_DIR } from './paths';

export const LOCALES = ['es-EC', 'en'] as const;
export type Locale = (typeof LOCALES)[number];

export { LOCALES_DIR };

/** Reads locales/<locale>/<namespace>.json into i18next's resource shape. */
export function readLocaleFiles(dir = LOCALES_DIR): Record<string, Record<string, unknown>> {
  const resources: Record<string, Record<string, unknown>> = {};
  for (const locale of LOCALES) {
    resources[locale] = {};
    for (const file of readdirSync(join(dir, locale)).filter((f) => f.endsWith('.json'))) {
      resources[locale][file.replace(/\.json$/, '')] = JSON.parse(readFileSync(join(dir, locale, file), 'utf8'));
    }
  }
  return resources;
}

/** Picks the closest supported locale for a channel's locale tag ("es-ES" → es-EC, "en-US" → en). */
export function pickLocale(tag: string | undefined, fallback: Locale = 'es-EC'): Locale {
  if (!tag) return fallback;
  return tag.toLowerCase().startsWith('en') ? 'en' : tag.toLowerCase().startsWith('es') ? 'es-EC' : fallback;
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
 * are available to every sentence so operators change them in configuration only.
 */
export class Texts {
  private readonly i18n: i18n;

  /** The assistant's own name depends on the language when the operator gives none. */
  private readonly localFacts: Record<Locale, { assistant: string }>;

  constructor(facts: Facts = DEFAULT_FACTS, dir = LOCALES_DIR) {
    this.i18n = i18next.createInstance();
    void this.i18n.init({
      resources: readLocaleFiles(dir) as never,
      lng: 'es-EC',
      fallbackLng: false,
      defaultNS: 'common',
      initAsync: false,
      returnNull: false,
      interpolation: { escapeValue: false, defaultVariables: { ...facts } },
      showSupportNotice: false,
    } as never);
    const assistant = (locale: Locale) => facts.assistant || (this.i18n.t('common:assistantDefault', { lng: locale }) as string);
    this.localFacts = { 'es-EC': { assistant: assistant('es-EC') }, en: { assistant: assistant('en') } };
  }

  t(locale: Locale, key: string, vars?: Record<string, unknown>): string {
    if (vars) return this.i18n.t(key, { lng: locale, ...this.localFacts[locale], ...vars }) as string;
    return this.remember(`t\0${locale}\0${key}`, () => this.i18n.t(key, { lng: locale, ...this.localFacts[locale] }) as string);
  }

  /** A list of sentences (e.g. example phrases) stored as a JSON array. */
  list(locale: Locale, key: string): readonly string[] {
    return this.remember(`list\0${locale}\0${key}`, () => {
      const v = this.i18n.t(key, { lng: locale, returnObjects: true });
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
    return path.split('.').reduce<unknown>((node, part) => (node as Record<string, unknown> | undefined)?.[part], this.i18n.getResourceBundle(locale, ns));
  }

  exists(locale: Locale, key: string): boolean {
    return this.i18n.exists(key, { lng: locale });
  }

  for(locale: Locale): Translate {
    return (key, vars) => this.t(locale, key, vars);
  }
}
