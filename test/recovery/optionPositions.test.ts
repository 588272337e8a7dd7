import { describe, expect, it } from 'vitest';
import { DemoDirectory, loadDemoData } from '../../src/recovery/demoDirectory';
import { type BuiltQuestion, bundledDecoyVocabulary, decoyQuestions } from '../../src/recovery/identityCheck';
import { cedulaCheckDigit } from '../../src/recovery/identity';
import type { ChoiceQuestion } from '../../src/recovery/types';

/**
 * The right option must sit anywhere with the same chance, and the other options must not
 * gather around it: otherwise a stranger answers better than by luck (1 in 4).
 */
const DRAWS = 10_000;
const data = loadDemoData('src/recovery/demo-accounts.json');
const vocabulary = bundledDecoyVocabulary();

interface Tally {
  positions: number[];
  middleGuessRight: number;
  total: number;
}

/** The guess "the option nearest the middle": for years by value, for names by place. */
function middleGuess(options: string[]): number {
  const numbers = options.map(Number);
  if (numbers.every(Number.isFinite)) {
    const middle = (Math.min(...numbers) + Math.max(...numbers)) / 2;
    let best = 0;
    numbers.forEach((n, i) => {
      if (Math.abs(n - middle) < Math.abs(numbers[best] - middle)) best = i;
    });
    return best;
  }
  return Math.floor((options.length - 1) / 2);
}

/** Multiple-choice questions only: a typed question has no options to give anything away. */
function tally(byQuestion: Map<string, Tally>, built: BuiltQuestion[]): void {
  for (const { question, answer } of built) {
    if (question.kind !== 'choice' || answer === null) continue;
    const t = byQuestion.get(question.id) ?? { positions: [0, 0, 0, 0], middleGuessRight: 0, total: 0 };
    t.positions[answer]++;
    if (middleGuess(question.options) === answer) t.middleGuessRight++;
    t.total++;
    byQuestion.set(question.id, t);
  }
}

function expectNothingGivenAway(byQuestion: Map<string, Tally>, ids: string[], draws = DRAWS): void {
  expect([...byQuestion.keys()].sort()).toEqual([...ids].sort());
  for (const [id, t] of byQuestion) {
    // A decoy's questions about the work history come in most shapes, not all.
    expect(t.total, id).toBeGreaterThanOrEqual(draws);
    for (const count of t.positions) {
      expect(count / t.total, `${id}: share of one position`).toBeGreaterThanOrEqual(0.23);
      expect(count / t.total, `${id}: share of one position`).toBeLessThanOrEqual(0.27);
    }
    expect(t.middleGuessRight / t.total, `${id}: "nearest the middle" guess`).toBeLessThanOrEqual(0.3);
  }
}

/** The right option of a real account's question, found from its facts as the person would. */
function rightIndex(options: string[], facts: string[]): number {
  const index = options.findIndex((o) => facts.includes(o));
  expect(index).toBeGreaterThanOrEqual(0);
  return index;
}

/** A distinct valid cédula (Pichincha) for each n. */
function cedulaFor(n: number): string {
  const body = `17${String(n).padStart(7, '0')}`;
  return `${body}${cedulaCheckDigit(body)}`;
}

describe(`question options over ${DRAWS} draws`, () => {
  it('real persons: the employer and the start year sit at a uniform place, not in the middle', async () => {
    const byQuestion = new Map<string, Tally>();
    const workers = data.persons.filter((p) => !p.personal);
    for (let i = 0; i < DRAWS; i++) {
      const person = workers[i % workers.length];
      const directory = new DemoDirectory(data, `position-secret-${i}`);
      const [employer, year] = (await directory.questions(person.id)) as ChoiceQuestion[];
      tally(byQuestion, [
        {
          question: employer,
          answer: rightIndex(
            employer.options,
            person.workHistory.map((w) => w.employer),
          ),
        },
        { question: year, answer: rightIndex(year.options, [String(person.contributingSince)]) },
      ]);
    }
    expectNothingGivenAway(byQuestion, ['employer_worked', 'year_started']);
  });

  it('real employers: the razón social and the sucursal sit at a uniform place', async () => {
    const byQuestion = new Map<string, Tally>();
    for (let i = 0; i < DRAWS; i++) {
      const employer = data.employers[i % data.employers.length];
      const directory = new DemoDirectory(data, `position-secret-${i}`);
      const [razon, sucursal] = (await directory.questions(employer.id)) as ChoiceQuestion[];
      tally(byQuestion, [
        { question: razon, answer: rightIndex(razon.options, [employer.razonSocial]) },
        { question: sucursal, answer: rightIndex(sucursal.options, [employer.sucursal]) },
      ]);
    }
    expectNothingGivenAway(byQuestion, ['razon_social', 'sucursal']);
  });

  it('decoys of unknown numbers, persons and employers alike', () => {
    const persons = new Map<string, Tally>();
    const employers = new Map<string, Tally>();
    for (let i = 0; i < DRAWS; i++) {
      const cedula = cedulaFor(i);
      tally(persons, decoyQuestions({ kind: 'person', cedula }, vocabulary, 'decoy-position-secret'));
      const subject = { kind: 'employer' as const, ruc: `${cedula}001`, representativeCedula: cedula };
      tally(employers, decoyQuestions(subject, vocabulary, 'decoy-position-secret'));
    }
    // With decoys.personShapes at 8:1:1, about 9 in 10 decoys ask the employer and 8 in 10 the year.
    expectNothingGivenAway(persons, ['employer_worked', 'year_started'], DRAWS * 0.75);
    expectNothingGivenAway(employers, ['razon_social', 'sucursal']);
  });
});
