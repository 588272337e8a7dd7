import { createHmac } from 'node:crypto';
import { keyedHash } from '../hashing';
import { readFileSync } from 'node:fs';
import { DEMO_ACCOUNTS_FILE } from '../paths';
import { z } from 'zod';
import type { AccountDirectory, ChallengeAnswer, ChallengeQuestion, DayMonth, IdentityCheck, Subject, VerifiedAccount } from './types';
import { UnknownAccountError } from '../errors';

/**
 * The identity check, and the question builders it shares with the demo directory: real
 * questions and decoys come out of the same functions, so they cannot differ in shape.
 */

/**
 * The shapes a person's questions take: two about the work history (employer, start year),
 * one about it and one personal, or two personal (people without a work history of their
 * own, such as montepío widows and orphans).
 */
export const PERSON_SHAPES = ['work', 'mixed', 'personal'] as const;
export type PersonShape = (typeof PERSON_SHAPES)[number];

export const decoyVocabularySchema = z.object({
  companies: z.array(z.string().trim().min(1)).min(30),
  branches: z.array(z.string().trim().min(1)).min(8),
  /** The personal questions the registry asks (text at `questions:<id>`); a decoy asks these too. */
  personalQuestions: z.array(z.string().regex(/^[a-z][a-z0-9_]*$/)).min(2),
  /**
   * How often an unknown cédula gets each shape: the same mix as the registry's people, so
   * the shape of the questions tells nothing. Every shape a real person can get needs weight.
   */
  personShapes: z
    .object({ work: z.number().int().min(0), mixed: z.number().int().min(0), personal: z.number().int().min(0) })
    .refine((w) => w.work + w.mixed + w.personal > 0, 'at least one shape needs a weight'),
});

/** Names and questions decoys are drawn from. Real answers should come from the same pool, so no option stands out. */
export type DecoyVocabulary = z.infer<typeof decoyVocabularySchema>;

/** A directory that brings its own decoy names (the demo directory does). */
export interface ProvidesDecoys {
  decoyVocabulary(): DecoyVocabulary;
}

const providesDecoys = (value: object): value is ProvidesDecoys => typeof (value as Partial<ProvidesDecoys>).decoyVocabulary === 'function';

let bundledVocabulary: DecoyVocabulary | undefined;

/** The decoy names, personal questions and shapes shipped with the demo accounts, for directories that bring none. */
export function bundledDecoyVocabulary(): DecoyVocabulary {
  bundledVocabulary ??= z.object({ decoys: decoyVocabularySchema }).parse(JSON.parse(readFileSync(DEMO_ACCOUNTS_FILE, 'utf8'))).decoys;
  return bundledVocabulary;
}

/**
 * A deterministic stream of choices from HMAC(secret, label): the same label always gives
 * the same options, and nobody without the secret can predict or correlate them.
 */
export class KeyedDraw {
  private block = Buffer.alloc(0);
  private offset = 0;
  private counter = 0;

  constructor(
    private readonly secret: string,
    private readonly label: string,
  ) {}

  /** An integer in [0, n). 48 random bits per draw keep the modulo bias negligible for small n. */
  int(n: number): number {
    if (!Number.isInteger(n) || n < 1) throw new RangeError('n must be a positive integer');
    if (this.offset + 6 > this.block.length) {
      this.block = createHmac('sha256', this.secret).update(`${this.label}#${this.counter++}`).digest();
      this.offset = 0;
    }
    const value = this.block.readUIntBE(this.offset, 6);
    this.offset += 6;
    return value % n;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  /** A key drawn with the chance of its (integer) weight. */
  weighted<K extends string>(weights: Record<K, number>): K {
    const entries = (Object.entries(weights) as [K, number][]).filter(([, w]) => w > 0);
    let at = this.int(entries.reduce((sum, [, w]) => sum + w, 0));
    for (const [key, weight] of entries) {
      if (at < weight) return key;
      at -= weight;
    }
    throw new RangeError('no weight');
  }

  /** Fisher–Yates on a copy. */
  shuffle<T>(items: readonly T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  }

  /** `count` distinct items (fewer when the pool is smaller). */
  sample<T>(items: readonly T[], count: number): T[] {
    return this.shuffle(items).slice(0, count);
  }
}

export const OPTIONS_PER_QUESTION = 4;
/** Oldest year the questions offer; people who started earlier are long retired. */
const EARLIEST_YEAR = 1960;
/** Years apart that the year options may lie: wide enough to remember which, narrow enough to look alike. */
const YEAR_STEPS = [1, 2, 3] as const;

export interface BuiltQuestion {
  question: ChallengeQuestion;
  /** Index of the correct option; null for a typed question. */
  answer: number | null;
  /** The answer on file for a typed question (none for a decoy's). */
  onFile?: string;
}

export interface PersonFacts {
  /** Employers from the work history; the question shows one of them. */
  employers: string[];
  contributingSince?: number;
  /** Answers to the personal questions, by question id, as typed when the key was first made. */
  personal?: Record<string, string>;
}

export interface EmployerFacts {
  razonSocial: string;
  sucursal: string;
}

/** The right option among decoys from the pool, in a keyed order. */
function choiceAmong(
  id: string,
  textKey: string,
  right: string,
  pool: readonly string[],
  exclude: readonly string[],
  draw: KeyedDraw,
): BuiltQuestion {
  const decoys = draw.sample(
    pool.filter((name) => name !== right && !exclude.includes(name)),
    OPTIONS_PER_QUESTION - 1,
  );
  const options = draw.shuffle([right, ...decoys]);
  return { question: { kind: 'choice', id, textKey, options }, answer: options.indexOf(right) };
}

/**
 * Four evenly spaced years in ascending order, as people expect a list of years. The right
 * year takes a uniformly drawn place among them and the spacing is drawn too, so neither its
 * position nor the spread of the others points at it. Only near the ends of the allowed
 * range (a very recent start) does the spacing shrink, and then the place.
 */
function yearQuestion(id: string, textKey: string, right: number, draw: KeyedDraw): BuiltQuestion {
  const latest = new Date().getFullYear();
  const fits = (place: number, step: number) =>
    right - place * step >= EARLIEST_YEAR && right + (OPTIONS_PER_QUESTION - 1 - place) * step <= latest;
  const places = Array.from({ length: OPTIONS_PER_QUESTION }, (_, place) => place);
  const possible = places.filter((place) => fits(place, 1));
  const place = draw.pick(possible.length > 0 ? possible : places);
  const wanted = YEAR_STEPS[draw.int(YEAR_STEPS.length)];
  const step =
    YEAR_STEPS.filter((s) => s <= wanted)
      .reverse()
      .find((s) => fits(place, s)) ?? 1;
  const years = places.map((i) => right + (i - place) * step);
  return { question: { kind: 'choice', id, textKey, options: years.map(String) }, answer: place };
}

/** Personal questions, typed: `count` of the registry's, in a keyed order. */
function personalQuestions(count: number, facts: PersonFacts, vocabulary: DecoyVocabulary, draw: KeyedDraw): BuiltQuestion[] {
  return draw.sample(vocabulary.personalQuestions, count).map((id) => ({
    question: { kind: 'typed', id, textKey: `questions:${id}` },
    answer: null,
    onFile: facts.personal?.[id],
  }));
}

/**
 * The shape a real person's questions take, decided by what the registry holds: no work
 * history (a montepío widow or orphan) → personal questions; a work history and personal
 * answers → one of each; a work history only → two about it.
 */
export function shapeOf(facts: PersonFacts): PersonShape {
  if (facts.employers.length === 0) return 'personal';
  return facts.personal ? 'mixed' : 'work';
}

/**
 * Affiliates and pensioners, by shape: an employer from their work history and the year they
 * started contributing; that employer and a personal question; or two personal questions.
 */
export function personQuestions(shape: PersonShape, facts: PersonFacts, vocabulary: DecoyVocabulary, draw: KeyedDraw): BuiltQuestion[] {
  if (shape === 'personal') return personalQuestions(2, facts, vocabulary, draw);
  const employer = choiceAmong(
    'employer_worked',
    'questions:employer_worked',
    draw.pick(facts.employers),
    vocabulary.companies,
    facts.employers,
    draw,
  );
  if (shape === 'mixed') return [employer, ...personalQuestions(1, facts, vocabulary, draw)];
  if (facts.contributingSince === undefined) throw new RangeError('a work history needs the year contributions began');
  return [employer, yearQuestion('year_started', 'questions:year_started', facts.contributingSince, draw)];
}

/** Employers: the razón social and the registered sucursal. */
export function employerQuestions(facts: EmployerFacts, vocabulary: DecoyVocabulary, draw: KeyedDraw): BuiltQuestion[] {
  return [
    choiceAmong('razon_social', 'questions:razon_social', facts.razonSocial, vocabulary.companies, [], draw),
    choiceAmong('sucursal', 'questions:sucursal', facts.sucursal, vocabulary.branches, [], draw),
  ];
}

/**
 * Every answer right (null: a typed question, checked on its own); looks at all of them so
 * the time does not depend on which one is wrong.
 */
export function answersAreRight(expected: ReadonlyArray<number | null>, given: ReadonlyArray<number | null>): boolean {
  let right = expected.length === given.length;
  for (let i = 0; i < expected.length; i++) right = given[i] === expected[i] && right;
  return right;
}

export const sameDayMonth = (a: DayMonth, b: DayMonth) => a.day === b.day && a.month === b.month;

/**
 * The questions of a made-up account for a number the directory does not know, drawn like a real one.
 * Employers are keyed on RUC and representative together: each representative cédula
 * gets its own questions, exactly as a real RUC does when the representative is wrong.
 */
export function decoyQuestions(subject: Subject, vocabulary: DecoyVocabulary, secret: string): BuiltQuestion[] {
  const label =
    subject.kind === 'person' ? `decoy:person:${subject.cedula}` : `decoy:employer:${subject.ruc}:${subject.representativeCedula}`;
  const draw = new KeyedDraw(secret, label);
  if (subject.kind === 'employer') {
    const facts = { razonSocial: draw.pick(vocabulary.companies), sucursal: draw.pick(vocabulary.branches) };
    return employerQuestions(facts, vocabulary, draw);
  }
  const latestStart = new Date().getFullYear() - 2;
  const facts = {
    employers: [draw.pick(vocabulary.companies)],
    contributingSince: 1975 + draw.int(latestStart - 1975 + 1),
  };
  // The shape has a draw of its own, so the options of a work-history decoy do not depend on it.
  const shape = new KeyedDraw(secret, `${label}:shape`).weighted(vocabulary.personShapes);
  return personQuestions(shape, facts, vocabulary, draw);
}

/**
 * An account id for a number the directory does not know: asked about exactly as a real id
 * would be, so the directory sees the same calls whether the number is registered or not.
 * Directories answer "no such account" for it (the identity API: 404).
 */
function decoyAccountId(subject: Subject, secret: string): string {
  const number = subject.kind === 'person' ? subject.cedula : `${subject.ruc}:${subject.representativeCedula}`;
  return `decoy-${keyedHash(secret, 'decoy-id', `${subject.kind}:${number}`, 24)}`;
}

/** A directory answer about the decoy id: "no such account" is expected; other failures count as for a real id. */
async function asked<T>(call: Promise<T>, known: boolean): Promise<T | undefined> {
  try {
    return await call;
  } catch (err) {
    if (!known && err instanceof UnknownAccountError) return undefined;
    throw err;
  }
}

/**
 * The identity check the dialogs use. Known and unknown numbers take the same path: the
 * same directory calls in the same order (an unknown number's are about a decoy id),
 * questions of the same shape, birth and answers always evaluated, one failure.
 */
export function createIdentityCheck(
  directory: AccountDirectory,
  secret: string,
  vocabulary: DecoyVocabulary = providesDecoys(directory) ? directory.decoyVocabulary() : bundledDecoyVocabulary(),
  minDurationMs = 0,
): IdentityCheck {
  // The calls are the same for every number; a floor on the duration also covers the time
  // the directory itself may take to find an account.
  const atLeast = async <T>(work: Promise<T>): Promise<T> => {
    const [result] = await Promise.all([work, new Promise((resolve) => setTimeout(resolve, minDurationMs))]);
    return result;
  };
  /** The account id to ask about: the real one, or the number's decoy id. */
  const lookUp = async (subject: Subject) => {
    const accountId = await directory.findAccount(subject);
    return accountId === undefined ? { known: false, id: decoyAccountId(subject, secret) } : { known: true, id: accountId };
  };
  return {
    questions: (subject) =>
      atLeast(
        (async () => {
          const { known, id } = await lookUp(subject);
          const questions = await asked(directory.questions(id), known);
          return known && questions ? questions : decoyQuestions(subject, vocabulary, secret).map((b) => b.question);
        })(),
      ),

    // An unknown number's typed answer is checked against its decoy id: the same calls, never a match.
    checkTyped: (subject, questionId, answer) =>
      atLeast(
        (async () => {
          const { known, id } = await lookUp(subject);
          return (await directory.typedAnswerMatches(id, questionId, answer)) && known;
        })(),
      ),

    verify: (subject, birth, answers) => atLeast(verifyNow(subject, birth, answers)),
  };

  async function verifyNow(
    subject: Subject,
    birth: DayMonth | undefined,
    answers: ChallengeAnswer[],
  ): Promise<VerifiedAccount | undefined> {
    const { known, id } = await lookUp(subject);
    const choices = answers.map((a) => (typeof a === 'number' ? a : null));
    const typedRight = answers.every((a) => typeof a === 'number' || a.typedRight);
    // Both asked every time, so no reply reveals which part was wrong.
    const [birthMatched, answersMatched] = await Promise.all([
      subject.kind === 'employer' || (birth !== undefined && directory.birthMatches(id, birth)),
      directory.answersMatch(id, choices),
    ]);
    // The contact is asked for even after a failure, so a failure makes no fewer calls.
    const contact = await asked(directory.contact(id), known);
    if (!(known && birthMatched && answersMatched && typedRight && contact)) return undefined;
    return { kind: subject.kind, accountId: id, ...contact };
  }
}
