import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FAQ_TOPICS } from '../dialogs/faq';
import { CATALOGUES, Texts, USTED, readLocaleFiles } from '../src/i18n';

const resources = readLocaleFiles();

function flatten(value: unknown, prefix: string, out: string[]) {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else out.push(prefix);
  return out;
}

const keysOf = (locale: string) =>
  Object.entries(resources[locale])
    .flatMap(([ns, tree]) => flatten(tree, '', []).map((k) => `${ns}:${k}`))
    .sort();

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

describe('locales', () => {
  it('es-EC and en have the same keys', () => {
    expect(keysOf('en')).toEqual(keysOf('es-EC'));
  });

  it('every key written in the code exists in both locales', () => {
    const texts = new Texts();
    const namespaces = Object.keys(resources['es-EC']).join('|');
    // A key as the argument of a translation call, or as a question's prompt.
    const pattern = new RegExp(
      `(?:\\bt\\(\\s*|\\.t\\([^,()]+,\\s*|send\\(\\s*|prompt:\\s*)['"\`]((?:${namespaces}):[A-Za-z0-9_.]+)['"\`]`,
      'g',
    );
    const used = new Set<string>();
    for (const file of [...sourceFiles('src'), ...sourceFiles('dialogs')]) {
      for (const match of readFileSync(file, 'utf8').matchAll(pattern)) used.add(match[1]);
    }
    expect(used.size).toBeGreaterThan(20);
    for (const locale of CATALOGUES) {
      const missing = [...used].filter((key) => !texts.exists(locale, key) && !texts.exists(locale, `${key}_other`));
      expect(missing, locale).toEqual([]);
    }
  });

  it('keys built at run time exist: reasons, FAQ answers, menu options', () => {
    const texts = new Texts();
    const dynamic = [
      ...['empty', 'non_digits', 'length', 'province', 'third_digit', 'check_digit'].flatMap((r) => [
        `reasons:cedula_${r}`,
        `reasons:ruc_${r}`,
      ]),
      'reasons:ruc_establishment',
      'reasons:birth_format',
      'reasons:birth_invalid_date',
      ...FAQ_TOPICS.flatMap((topic) => [`faq:${topic}`, `faq:options.${topic}`]),
      'faq:code_not_received',
      'faq:no_email_access',
      'faq:talk_to_agent',
      ...['person', 'employer', 'lostEmail', 'faq', 'agent'].map((o) => `main:options.${o}`),
    ];
    for (const locale of CATALOGUES) {
      expect(
        dynamic.filter((key) => !texts.exists(locale, key)),
        locale,
      ).toEqual([]);
    }
  });

  it('operator facts are filled in from configuration, never written in the text', () => {
    const facts = {
      phone: '7777',
      phoneWeekdays: '06:30–20:30',
      phoneWeekends: '09:15–13:45',
      phoneOption: '9',
      site: 'portal.ejemplo.ec',
      institution: 'Instituto Ejemplo',
      assistant: 'Clarita',
    };
    const texts = new Texts(facts);
    // Both Spanish registers: the usted catalogue's sentences are checked as the tú ones.
    const sentences = CATALOGUES.flatMap((locale) =>
      keysOf(locale)
        .filter((key) => !key.startsWith('intents:') && typeof texts.raw(locale, key) === 'string')
        .map((key) => [key, texts.t(locale, key)] as const),
    );
    const everything = sentences.map(([, sentence]) => sentence).join('\n');
    for (const value of Object.values(facts)) expect(everything, value).toContain(value);
    // With the facts taken out, no phone line, address or hour is left: each one comes from configuration.
    const literals = sentences.filter(([, sentence]) => {
      const rest = Object.values(facts).reduce((s, value) => s.split(value).join(' '), sentence);
      return /\b140\b|1800|www\.|https?:\/\/|\.gob\.ec|\b\d{1,2}:\d{2}\b/.test(rest);
    });
    expect(literals).toEqual([]);
  });

  it('the lost-mailbox help is short answers, one per topic, that fit a phone screen', () => {
    const texts = new Texts();
    for (const locale of CATALOGUES)
      for (const topic of ['provider', 'office', 'abroad', 'free']) {
        const answer = texts.t(locale, `lost:${topic}`);
        expect(answer.length, `${locale} lost:${topic}`).toBeLessThanOrEqual(450);
        expect(answer, `${locale} lost:${topic}`).not.toMatch(/\n/);
      }
    // What FACTS.md says today: the turno is asked for every procedure; priority groups are still served first.
    expect(texts.t('es-EC', 'lost:office')).not.toMatch(/sin turno/);
    expect(texts.t('es-EC', 'faq:faq_turno')).toMatch(/atención prioritaria/);
    expect(texts.t('es-EC', 'faq:faq_blocked_key')).toMatch(/3 minutos/);
    expect(texts.t('es-EC', 'faq:faq_security')).not.toMatch(/^Sí\b/);
  });

  it('names the assistant as configured, and plainly when nothing is configured', () => {
    expect(new Texts().t('es-EC', 'main:greeting')).toMatch(/un asistente virtual/);
    expect(new Texts().t('en', 'main:greeting')).toMatch(/a virtual assistant/);
    expect(new Texts().t('es-EC', 'main:greeting')).not.toMatch(/asistente (virtual )?del IESS/i);
    expect(new Texts().t(USTED, 'main:greeting')).toMatch(/un asistente virtual/);
  });
});
