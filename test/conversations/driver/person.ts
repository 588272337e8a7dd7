import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { Texts } from '../../../src/i18n';
import { MONTH_NAMES, demoData } from '../../helpers/demo';
import { isKnownKey } from '../../helpers/sayings';

/**
 * One simulated person, as a support lead writes it in test/conversations/people/*.yaml.
 * See test/conversations/README.md for the fields.
 */
const Replies = z.union([z.string(), z.array(z.string()).min(1)]).transform((r) => (Array.isArray(r) ? r : [r]));

export const PersonSchema = z
  .object({
    who: z.string(),
    /** The demo account this person is: a cédula (person) or a RUC (employer); none for a stranger. */
    account: z
      .string()
      .regex(/^\d{10}(\d{3})?$/)
      .optional(),
    channels: z.array(z.enum(['directline', 'whatsapp', 'api'])).default([]),
    /** The assistant's TONE setting for this conversation (tu, the default, or usted). */
    tone: z.enum(['tu', 'usted']).default('tu'),
    /** What the person writes first, one message each, before reacting to questions. */
    opening: z.array(z.string()).default([]),
    /** What the person answers when the bot asks something; a list is used in order, one per time asked. */
    answers: z.record(z.string(), Replies).default({}),
    /** What the person says to a question not in `answers` (a yes/no the bot may add: "si"); none: stop there. */
    otherwise: z.string().optional(),
    /** What the person writes once the outcome is reached (thanks, a follow-up question). */
    after: z.array(z.string()).default([]),
    /** The new key the person types on the new-key page. */
    newKey: z.string().default('Quito2026nueva'),
    expect: z.object({
      outcome: z.enum(['key_changed', 'handoff', 'guidance']),
      /** Locale keys the bot must have said (the guidance given). */
      shown: z.array(z.string()).default([]),
      /** At least one of these locale keys must have been said. */
      shownAny: z.array(z.string()).default([]),
      notShown: z.array(z.string()).default([]),
      /** The most messages the person may need to write. */
      maxMessages: z.number().int().positive(),
      /** The language the bot ends up speaking. */
      language: z.enum(['es-EC', 'en']).default('es-EC'),
      /** From which of the person's messages on every bot message is in usted (0: from the greeting). */
      ustedFrom: z.number().int().min(0).optional(),
    }),
  })
  .superRefine((person, ctx) => {
    // Answers may name a question the bot does not ask yet; what is checked must exist.
    const keys = [...person.expect.shown, ...person.expect.shownAny, ...person.expect.notShown];
    for (const key of keys) {
      if (!isKnownKey(key)) ctx.addIssue({ code: 'custom', message: `no locale key ${key}` });
    }
  });

export type Person = z.infer<typeof PersonSchema> & { name: string };

export function loadPeople(dir: string): Person[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((file) => loadPerson(dir, file.replace(/\.yaml$/, '')));
}

/** One person, by file name without `.yaml`. */
export function loadPerson(dir: string, name: string): Person {
  const file = `${name}.yaml`;
  const parsed = PersonSchema.safeParse(parse(readFileSync(join(dir, file), 'utf8')));
  if (!parsed.success) throw new Error(`${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`);
  return { name, ...parsed.data };
}

interface DemoPerson {
  cedula: string;
  firstName: string;
  birthDate: string;
  email: string;
  contributingSince?: number;
  /** None for a montepío pensioner. */
  workHistory?: { employer: string }[];
}
interface DemoEmployer {
  ruc: string;
  razonSocial: string;
  sucursal: string;
  email: string;
  representative: { cedula: string };
}

/** What the person knows about themselves: the demo account's data. */
export interface Facts {
  values: Record<string, string>;
  email?: string;
  /** The right answers to each challenge question (by the question's locale key). */
  right: Record<string, string[]>;
}

const MONTHS_EN = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];

export function factsOf(account: string | undefined): Facts {
  const person = (demoData.persons as DemoPerson[]).find((p) => p.cedula === account);
  if (person) {
    const [, month, day] = person.birthDate.split('-').map(Number);
    return {
      email: person.email,
      values: {
        cedula: person.cedula,
        name: person.firstName.split(' ')[0].toLowerCase(),
        day: String(day),
        month: String(month),
        dd: String(day).padStart(2, '0'),
        mm: String(month).padStart(2, '0'),
        monthName: MONTH_NAMES[month - 1],
        monthNameEn: MONTHS_EN[month - 1],
        year: String(person.contributingSince),
        shortYear: String(person.contributingSince).slice(2),
      },
      right: {
        'questions:employer_worked': (person.workHistory ?? []).map((w) => w.employer),
        'questions:year_started': [String(person.contributingSince)],
      },
    };
  }
  const employer = (demoData.employers as DemoEmployer[]).find((e) => e.ruc === account);
  if (employer) {
    return {
      email: employer.email,
      values: { ruc: employer.ruc, rep: employer.representative.cedula },
      right: { 'questions:razon_social': [employer.razonSocial], 'questions:sucursal': [employer.sucursal] },
    };
  }
  return { values: {}, right: {} };
}

/** "uno", "dos"…: how people write an option's number on WhatsApp. */
const NUMBER_WORDS = new Texts().list('es-EC', 'common:numberWords');
const ORDINALS = ['la primera', 'la segunda', 'la tercera', 'la cuarta', 'la quinta'];
const ORDINALS_EN = ['the first one', 'the second one', 'the third one', 'the fourth one', 'the fifth one'];

/** An option as a person types it: no accents, lower case, without "S.A." or "Cía. Ltda.". */
function asTyped(label: string): string {
  return label
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/\b(s\.a\.|cia\. ltda\.|ep)$/u, '')
    .replace(/[.,]/g, '')
    .trim();
}

/**
 * Fills a reply's placeholders: {cedula}, {ruc}, {rep}, {day}, {monthName}, {year}… from the
 * account; {code} with the newest code; {right} with the right option of the question being
 * asked, as typed (or {right:number}, {right:word}, {right:ordinal}, {right:ordinal-en}, {right:label},
 * {right:first-word}), {wrong} with an option that is not right.
 */
export function fill(reply: string, facts: Facts, question: string, options: string[], code: () => string): string {
  const right = facts.right[question] ?? [];
  const rightAt = options.findIndex((o) => right.includes(o));
  const wrongAt = options.findIndex((o) => !right.includes(o));
  return reply.replace(/\{([a-zA-Z]+)(?::([a-z-]+))?\}/g, (whole, name: string, style?: string) => {
    if (name === 'code') return style === 'spaced' ? code().replace(/^(\d{3})(\d{3})$/, '$1 $2') : code();
    if (name === 'right' || name === 'wrong') {
      const at = name === 'right' ? rightAt : wrongAt;
      if (at < 0) throw new Error(`no ${name} option for ${question} among: ${options.join(' | ') || '(no options)'}`);
      const label = options[at];
      switch (style) {
        case 'number':
          return String(at + 1);
        case 'word':
          return NUMBER_WORDS[at];
        case 'ordinal':
          return ORDINALS[at];
        case 'ordinal-en':
          return ORDINALS_EN[at];
        case 'label':
          return label;
        case 'first-word':
          return (
            asTyped(label)
              .split(' ')
              .find((w) => w.length > 3) ?? asTyped(label)
          );
        default:
          return asTyped(label);
      }
    }
    const value = facts.values[name];
    if (value === undefined) throw new Error(`the person knows no ${whole}`);
    return value;
  });
}
