import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { DemoDataError, UnknownAccountError } from '../errors';
import { PROJECT_ROOT } from '../paths';
import { z } from 'zod';
import {
  type BuiltQuestion,
  type DecoyVocabulary,
  KeyedDraw,
  type ProvidesDecoys,
  answersAreRight,
  decoyVocabularySchema,
  employerQuestions,
  personQuestions,
  sameDayMonth,
  shapeOf,
} from './identityCheck';
import { KEY_MAX, KEY_MIN, keyFormatProblem } from './keyRule';
import { typedAnswerMatches } from './typedAnswer';
import type { AccountDirectory, ChallengeQuestion, DayMonth, KeyOwnerFacts, Subject } from './types';

const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, keylen: number) => Promise<Buffer>;

const cedula = z.string().regex(/^\d{10}$/, 'a cédula has 10 digits');
const ruc = z.string().regex(/^\d{13}$/, 'a RUC has 13 digits');
const year = z.number().int().min(1940).max(2100);
const name = z.string().trim().min(1).max(120);
/** Demo data must never hold a real mailbox: only reserved example domains (RFC 2606). */
const exampleEmail = z.email().refine((e) => /@([a-z0-9-]+\.)*example\.(com|org|net)$/i.test(e), 'use an example.com/.org/.net address');
const isoDate = z.iso.date();

const personSchema = z.object({
  id: z.string().min(1),
  /** montepio: a widow's or orphan's pension, often with no work history of their own. */
  kind: z.enum(['afiliado', 'jubilado', 'montepio']),
  cedula,
  firstName: name,
  lastName: name,
  birthDate: isoDate,
  email: exampleEmail,
  /** Required with a work history. */
  contributingSince: year.optional(),
  retiredIn: year.optional(),
  mailboxLost: z.boolean().optional(),
  workHistory: z
    .array(z.object({ employer: name, from: year, to: year.optional() }))
    .max(6)
    .default([]),
  /** Answers to the personal questions (by id, one for each of decoys.personalQuestions), as typed when the key was made. */
  personal: z.record(z.string(), name).optional(),
});

const employerSchema = z.object({
  id: z.string().min(1),
  ruc,
  razonSocial: name,
  sucursal: name,
  email: exampleEmail,
  mailboxLost: z.boolean().optional(),
  representative: z.object({ cedula, firstName: name, lastName: name }),
});

export const demoDataSchema = z
  .object({
    persons: z.array(personSchema).min(1),
    employers: z.array(employerSchema),
    decoys: decoyVocabularySchema,
  })
  .superRefine((data, ctx) => {
    const issue = (message: string) => ctx.addIssue({ code: 'custom', message });
    const ids = [...data.persons, ...data.employers].map((a) => a.id);
    if (new Set(ids).size !== ids.length) issue('account ids must be unique');
    const cedulas = data.persons.map((p) => p.cedula);
    if (new Set(cedulas).size !== cedulas.length) issue('person cédulas must be unique');
    const rucs = data.employers.map((e) => e.ruc);
    if (new Set(rucs).size !== rucs.length) issue('employer RUCs must be unique');
    // Real answers come from the decoy pool too, so an answer never stands out among its options.
    const pool = new Set(data.decoys.companies);
    for (const p of data.persons) {
      for (const job of p.workHistory) if (!pool.has(job.employer)) issue(`${p.id}: "${job.employer}" is not in decoys.companies`);
      if (p.kind === 'jubilado' && p.retiredIn === undefined) issue(`${p.id}: a jubilado needs retiredIn`);
      if (p.workHistory.length > 0 && p.contributingSince === undefined) issue(`${p.id}: a work history needs contributingSince`);
      // Real and decoy personal questions come from one list, so which is asked tells nothing.
      const asked = data.decoys.personalQuestions;
      if (p.personal && (Object.keys(p.personal).length !== asked.length || asked.some((q) => !p.personal?.[q])))
        issue(`${p.id}: personal answers must answer each of decoys.personalQuestions (${asked.join(', ')})`);
      if (p.workHistory.length === 0 && !p.personal) issue(`${p.id}: without a work history, personal answers are needed`);
      const shape = shapeOf(factsOf(p));
      if (data.decoys.personShapes[shape] === 0) issue(`${p.id}: asks "${shape}" questions, which decoys.personShapes never draws`);
    }
    for (const e of data.employers) {
      if (!pool.has(e.razonSocial)) issue(`${e.id}: "${e.razonSocial}" is not in decoys.companies`);
      if (!data.decoys.branches.includes(e.sucursal)) issue(`${e.id}: "${e.sucursal}" is not in decoys.branches`);
    }
  });

export type DemoData = z.infer<typeof demoDataSchema>;
export type DemoPerson = DemoData['persons'][number];
export type DemoEmployer = DemoData['employers'][number];

/** What the questions are built from. */
const factsOf = (p: Pick<DemoPerson, 'workHistory' | 'contributingSince' | 'personal'>) => ({
  employers: p.workHistory.map((w) => w.employer),
  contributingSince: p.contributingSince,
  personal: p.personal,
});

/** Reads and validates the demo accounts file; the error names the file and every problem. */
export function loadDemoData(path: string): DemoData {
  const candidates = isAbsolute(path) ? [path] : [resolve(path), join(PROJECT_ROOT, path)];
  const file = candidates.find((p) => existsSync(p));
  if (!file) throw new DemoDataError(`Demo accounts file not found: ${path}`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new DemoDataError(`Demo accounts file ${file} is not valid JSON: ${(err as Error).message}`);
  }
  const result = demoDataSchema.safeParse(json);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.') || '(file)'}: ${i.message}`);
    throw new DemoDataError(`Demo accounts file ${file} is invalid:\n${lines.join('\n')}`);
  }
  return result.data;
}

const KEY_HASH_BYTES = 32;

interface StoredKey {
  salt: Buffer;
  hash: Buffer;
}

/** Birth "YYYY-MM-DD" → day and month. */
const dayMonthOf = (isoDate: string): DayMonth => ({
  day: Number(isoDate.slice(8, 10)),
  month: Number(isoDate.slice(5, 7)),
});

/**
 * Fictitious accounts from a JSON file, for development and demos. New keys live in
 * memory as scrypt hashes only; they are lost on restart.
 */
export class DemoDirectory implements AccountDirectory, ProvidesDecoys {
  private readonly persons = new Map<string, DemoPerson>();
  private readonly employers = new Map<string, DemoEmployer>();
  private readonly keys = new Map<string, StoredKey>();

  constructor(
    private readonly data: DemoData,
    /** Keys the order of options, so each account always sees the same options. */
    private readonly secret: string,
  ) {
    for (const p of data.persons) this.persons.set(p.id, p);
    for (const e of data.employers) this.employers.set(e.id, e);
  }

  static fromFile(path: string, secret: string): DemoDirectory {
    return new DemoDirectory(loadDemoData(path), secret);
  }

  decoyVocabulary(): DecoyVocabulary {
    return this.data.decoys;
  }

  async findAccount(subject: Subject): Promise<string | undefined> {
    if (subject.kind === 'person') return this.data.persons.find((p) => p.cedula === subject.cedula)?.id;
    // An employer is found only with its registered legal representative.
    return this.data.employers.find((e) => e.ruc === subject.ruc && e.representative.cedula === subject.representativeCedula)?.id;
  }

  async birthMatches(accountId: string, birth: DayMonth): Promise<boolean> {
    const person = this.persons.get(accountId);
    return person !== undefined && sameDayMonth(dayMonthOf(person.birthDate), birth);
  }

  async questions(accountId: string): Promise<ChallengeQuestion[]> {
    return this.built(accountId).map((b) => b.question);
  }

  async answersMatch(accountId: string, answers: Array<number | null>): Promise<boolean> {
    if (!this.persons.has(accountId) && !this.employers.has(accountId)) return false;
    return answersAreRight(
      this.built(accountId).map((b) => b.answer),
      answers,
    );
  }

  /** Only a question this account is asked counts. */
  async typedAnswerMatches(accountId: string, questionId: string, answer: string): Promise<boolean> {
    if (!this.persons.has(accountId)) return false;
    const onFile = this.built(accountId).find((b) => b.question.kind === 'typed' && b.question.id === questionId)?.onFile;
    return onFile !== undefined && typedAnswerMatches(onFile, answer);
  }

  async contact(accountId: string): Promise<{ email: string; mailboxLost: boolean; firstName: string }> {
    const person = this.persons.get(accountId);
    if (person) return { email: person.email, mailboxLost: person.mailboxLost ?? false, firstName: firstWord(person.firstName) };
    const employer = this.employers.get(accountId);
    if (employer) {
      // The person in the chat is the legal representative.
      const firstName = firstWord(employer.representative.firstName);
      return { email: employer.email, mailboxLost: employer.mailboxLost ?? false, firstName };
    }
    throw new UnknownAccountError();
  }

  async keyOwnerFacts(accountId: string): Promise<KeyOwnerFacts> {
    const person = this.persons.get(accountId);
    if (person) return { numbers: [person.cedula], birthDate: person.birthDate };
    const employer = this.employers.get(accountId);
    if (employer) return { numbers: [employer.ruc, employer.representative.cedula] };
    throw new UnknownAccountError();
  }

  async setKey(accountId: string, newKey: string): Promise<void> {
    if (!this.persons.has(accountId) && !this.employers.has(accountId)) throw new UnknownAccountError();
    // Like the IESS system: only the format; the page refuses weak keys before this.
    if (keyFormatProblem(newKey)) throw new RangeError(`the key must have ${KEY_MIN} to ${KEY_MAX} letters or digits`);
    const salt = randomBytes(16);
    this.keys.set(accountId, { salt, hash: await scryptAsync(newKey, salt, KEY_HASH_BYTES) });
  }

  /** True when `key` is the account's current key (set in this process). For demos and tests. */
  async keyMatches(accountId: string, key: string): Promise<boolean> {
    const stored = this.keys.get(accountId);
    if (!stored) return false;
    return timingSafeEqual(stored.hash, await scryptAsync(key, stored.salt, KEY_HASH_BYTES));
  }

  async ready(): Promise<boolean> {
    return true;
  }

  /** The account's questions with their answers, the same on every call. */
  private built(accountId: string): BuiltQuestion[] {
    const draw = new KeyedDraw(this.secret, `questions:${accountId}`);
    const person = this.persons.get(accountId);
    if (person) {
      const facts = factsOf(person);
      return personQuestions(shapeOf(facts), facts, this.data.decoys, draw);
    }
    const employer = this.employers.get(accountId);
    if (employer) return employerQuestions(employer, this.data.decoys, draw);
    throw new UnknownAccountError();
  }
}

/** "María José" → "María": how people are greeted. */
const firstWord = (names: string) => names.split(/\s+/)[0];
