import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FAQ_TOPICS } from '../dialogs/faq';
import { LOCALES, Texts, readLocaleFiles } from '../src/i18n';

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
    for (const locale of LOCALES) {
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
    for (const locale of LOCALES) {
      expect(dynamic.filter((key) => !texts.exists(locale, key)), locale).toEqual([]);
    }
  });

  it('operator facts are filled in from configuration, never written in the text', () => {
    const texts = new Texts({ phone: '140', site: 'www.iess.gob.ec' });
    expect(texts.t('es-EC', 'faq:talk_to_agent')).toContain('140');
    const all = JSON.stringify(resources);
    expect(all).not.toMatch(/1800|http:\/\/|https:\/\//);
  });
});
