import { describe, expect, it } from 'vitest';
import { DemoDirectory, loadDemoData } from '../../src/recovery/demoDirectory';
import { bundledDecoyVocabulary, createIdentityCheck, decoyQuestions } from '../../src/recovery/identityCheck';
import { strangersAsked } from '../helpers/decoys';
import type { AccountDirectory, ChallengeAnswer, ChallengeQuestion, ChoiceQuestion, DayMonth, Subject } from '../../src/recovery/types';

const SECRET = 'test-secret-for-identity-check-0123456789';
const data = loadDemoData('src/recovery/demo-accounts.json');
const directory = new DemoDirectory(data, SECRET);
const identity = createIdentityCheck(directory, SECRET);

const maria = data.persons.find((p) => p.cedula === '1714307103')!;
const mariaSubject: Subject = { kind: 'person', cedula: maria.cedula };
const mariaBirth: DayMonth = { day: 15, month: 3 };
const employer = data.employers.find((e) => e.ruc[2] === '6')!;
const employerSubject: Subject = { kind: 'employer', ruc: employer.ruc, representativeCedula: employer.representative.cedula };
// Valid cédulas that are not in the demo file.
const unknownA: Subject = { kind: 'person', cedula: '0602910945' };
const unknownB: Subject = { kind: 'person', cedula: '0926687856' };

const montepio = data.persons.find((p) => p.kind === 'montepio')!;
const montepioSubject: Subject = { kind: 'person', cedula: montepio.cedula };
const montepioBirth: DayMonth = { day: Number(montepio.birthDate.slice(8)), month: Number(montepio.birthDate.slice(5, 7)) };

/** What a stranger sees of the questions: which, in which order, and how they are answered. */
const shape = (questions: ChallengeQuestion[]) =>
  questions.map((q) => (q.kind === 'choice' ? { kind: q.kind, id: q.id, textKey: q.textKey, options: q.options.length } : q));
/** Questions known to be multiple choice (a work-history or employer account). */
const choices = (questions: ChallengeQuestion[]) => {
  expect(questions.map((q) => q.kind)).toEqual(questions.map(() => 'choice'));
  return questions as ChoiceQuestion[];
};

const unknownsWithShape = (kinds: string, count = 1) => strangersAsked(kinds, SECRET, count);

/** The right answers, worked out from the demo facts the way a person would answer; typed ones checked as typed. */
async function rightAnswersFor(person: (typeof data.persons)[number], typed = (answer: string) => answer): Promise<ChallengeAnswer[]> {
  const subject: Subject = { kind: 'person', cedula: person.cedula };
  const history = person.workHistory.map((w) => w.employer);
  return Promise.all(
    (await identity.questions(subject)).map(async (q) => {
      if (q.kind === 'typed') return { typedRight: await identity.checkTyped(subject, q.id, typed(person.personal![q.id])) };
      return q.id === 'year_started'
        ? q.options.indexOf(String(person.contributingSince))
        : q.options.findIndex((o) => history.includes(o));
    }),
  );
}

/** Every combination of answers: each option of a multiple-choice question, right and wrong for a typed one. */
function allAnswerCombinations(questions: ChallengeQuestion[]): ChallengeAnswer[][] {
  return questions.reduce<ChallengeAnswer[][]>(
    (combos, q) =>
      combos.flatMap((c) =>
        q.kind === 'choice' ? q.options.map((_, i) => [...c, i]) : [true, false].map((typedRight) => [...c, { typedRight }]),
      ),
    [[]],
  );
}

describe('identity check, known person', () => {
  it('returns the account with the right birth day/month and answers', async () => {
    const answers = (await rightAnswersFor(maria)) as number[];
    expect(answers.every((i) => i >= 0)).toBe(true);
    expect(await identity.verify(mariaSubject, mariaBirth, answers)).toEqual({
      kind: 'person',
      accountId: maria.id,
      email: maria.email,
      mailboxLost: false,
      firstName: 'María',
    });
  });

  it('fails with a wrong birth, a missing birth, or any wrong answer', async () => {
    const answers = (await rightAnswersFor(maria)) as number[];
    expect(await identity.verify(mariaSubject, { day: 16, month: 3 }, answers)).toBeUndefined();
    expect(await identity.verify(mariaSubject, { day: 15, month: 4 }, answers)).toBeUndefined();
    expect(await identity.verify(mariaSubject, undefined, answers)).toBeUndefined();
    expect(await identity.verify(mariaSubject, mariaBirth, [(answers[0] + 1) % 4, answers[1]])).toBeUndefined();
    expect(await identity.verify(mariaSubject, mariaBirth, [answers[0], (answers[1] + 1) % 4])).toBeUndefined();
    expect(await identity.verify(mariaSubject, mariaBirth, [answers[0]])).toBeUndefined();
  });

  it('passes every demo person with their own facts, and carries a lost mailbox through', async () => {
    for (const person of data.persons) {
      const [year, month, day] = person.birthDate.split('-').map(Number);
      const account = await identity.verify({ kind: 'person', cedula: person.cedula }, { day, month }, await rightAnswersFor(person));
      expect(account?.accountId, `${person.id} born ${year}`).toBe(person.id);
      expect(account?.mailboxLost).toBe(person.mailboxLost ?? false);
    }
  });

  it('checks the birth and the answers and asks for the contact every time, known number or not', async () => {
    const calls: string[] = [];
    const counting: AccountDirectory = {
      findAccount: (s) => directory.findAccount(s),
      birthMatches: (id, b) => (calls.push('birth'), directory.birthMatches(id, b)),
      questions: (id) => directory.questions(id),
      answersMatch: (id, a) => (calls.push('answers'), directory.answersMatch(id, a)),
      typedAnswerMatches: (id, q, a) => directory.typedAnswerMatches(id, q, a),
      contact: (id) => (calls.push('contact'), directory.contact(id)),
      keyOwnerFacts: (id) => directory.keyOwnerFacts(id),
      setKey: (id, k) => directory.setKey(id, k),
      ready: () => directory.ready(),
    };
    const check = createIdentityCheck(counting, SECRET, bundledDecoyVocabulary());
    const answers = await rightAnswersFor(maria);
    await check.verify(mariaSubject, { day: 1, month: 1 }, answers);
    expect(calls.sort()).toEqual(['answers', 'birth', 'contact']);
    calls.length = 0;
    await check.verify(mariaSubject, mariaBirth, [9, 9]);
    expect(calls.sort()).toEqual(['answers', 'birth', 'contact']);
    calls.length = 0;
    expect(await check.verify(unknownA, mariaBirth, answers)).toBeUndefined();
    expect(calls.sort()).toEqual(['answers', 'birth', 'contact']);
  });
});

describe('identity check, unknown number', () => {
  it('gets questions of the same shape as a real account', async () => {
    const real = await identity.questions(mariaSubject);
    const decoy = await identity.questions(unknownA);
    expect(shape(decoy)).toEqual(shape(real));
  });

  it('gets the same questions on every call and from every instance with the same secret', async () => {
    const first = await identity.questions(unknownA);
    expect(await identity.questions(unknownA)).toEqual(first);
    expect(await createIdentityCheck(new DemoDirectory(data, SECRET), SECRET).questions(unknownA)).toEqual(first);
  });

  it('gets different questions for different numbers and different secrets', async () => {
    const a = await identity.questions(unknownA);
    expect(await identity.questions(unknownB)).not.toEqual(a);
    expect(await createIdentityCheck(directory, `${SECRET}-other`).questions(unknownA)).not.toEqual(a);
  });

  it('gets real-looking options: company names from the pool and four nearby ascending years', async () => {
    const { companies } = bundledDecoyVocabulary();
    for (const { cedula } of unknownsWithShape('choice+choice', 4)) {
      const [company, year] = choices(await identity.questions({ kind: 'person', cedula }));
      expect(new Set(company.options).size).toBe(4);
      for (const option of company.options) expect(companies).toContain(option);
      const years = year.options.map(Number);
      expect(years.every((y) => Number.isInteger(y) && y >= 1960 && y <= new Date().getFullYear())).toBe(true);
      expect([...years].sort((a, b) => a - b)).toEqual(years);
      expect(new Set(years).size).toBe(4);
      expect(years[3] - years[0]).toBeLessThanOrEqual(16);
    }
  });

  it('never verifies, whatever the birth and answers', async () => {
    const questions = await identity.questions(unknownA);
    const combos = allAnswerCombinations(questions);
    expect(combos).toHaveLength(16);
    // A month at a time, side by side: each check waits for its (zero) time floor.
    for (let month = 1; month <= 12; month++) {
      const days = Array.from({ length: 31 }, (_, i) => i + 1);
      const verdicts = await Promise.all(
        days.flatMap((day) => combos.map((answers) => identity.verify(unknownA, { day, month }, answers))),
      );
      expect(verdicts.filter((v) => v !== undefined)).toEqual([]);
      expect(verdicts).toHaveLength(31 * 16);
    }
  });
});

describe('identity check, employers', () => {
  const rightAnswers = async (subject: Subject) => {
    const [name, branch] = choices(await identity.questions(subject));
    return [name.options.indexOf(employer.razonSocial), branch.options.indexOf(employer.sucursal)];
  };

  it('returns the employer account with the registered representative and right answers, no birth needed', async () => {
    const answers = await rightAnswers(employerSubject);
    expect(answers.every((i) => i >= 0)).toBe(true);
    expect(await identity.verify(employerSubject, undefined, answers)).toEqual({
      kind: 'employer',
      accountId: employer.id,
      email: employer.email,
      mailboxLost: false,
      firstName: employer.representative.firstName.split(' ')[0],
    });
  });

  it('fails with a wrong answer', async () => {
    const [first, second] = await rightAnswers(employerSubject);
    expect(await identity.verify(employerSubject, undefined, [(first + 1) % 4, second])).toBeUndefined();
  });

  it('treats another representative like an unknown number: decoy questions of the same shape, never verified', async () => {
    const wrongRep: Subject = { ...employerSubject, representativeCedula: maria.cedula };
    const real = await identity.questions(employerSubject);
    const decoy = await identity.questions(wrongRep);
    expect(shape(decoy)).toEqual(shape(real));
    expect(decoy).not.toEqual(real);
    expect(await identity.questions(wrongRep)).toEqual(decoy);
    for (const answers of allAnswerCombinations(decoy)) expect(await identity.verify(wrongRep, undefined, answers)).toBeUndefined();
  });

  it('gives an unknown RUC employer-shaped questions with branch options from the pool', async () => {
    const unknownRuc: Subject = { kind: 'employer', ruc: '1760001550001', representativeCedula: '0602910945' };
    const decoy = await identity.questions(unknownRuc);
    expect(shape(decoy)).toEqual(shape(await identity.questions(employerSubject)));
    for (const option of choices(decoy)[1].options) expect(bundledDecoyVocabulary().branches).toContain(option);
  });
});

describe('identity check, personal questions (typed answers)', () => {
  /** As people type on a phone: lower case, no accents. */
  const asTyped = (answer: string) => answer.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();

  it('asks a montepío pensioner without a work history two personal questions, and verifies answers as people type them', async () => {
    expect(montepio.workHistory).toEqual([]);
    const questions = await identity.questions(montepioSubject);
    expect(questions.map((q) => q.kind)).toEqual(['typed', 'typed']);
    expect(questions.map((q) => q.id).sort()).toEqual([...bundledDecoyVocabulary().personalQuestions].sort());
    expect(questions.map((q) => q.textKey)).toEqual(questions.map((q) => `questions:${q.id}`));
    const answers = await rightAnswersFor(montepio, asTyped);
    expect(answers).toEqual([{ typedRight: true }, { typedRight: true }]);
    expect((await identity.verify(montepioSubject, montepioBirth, answers))?.accountId).toBe(montepio.id);
  });

  it('fails when one typed answer is wrong, or the birth is, and never checks a typed answer of another question', async () => {
    const right = await rightAnswersFor(montepio);
    const [first, second] = await identity.questions(montepioSubject);
    expect(await identity.verify(montepioSubject, montepioBirth, [right[0], { typedRight: false }])).toBeUndefined();
    expect(await identity.verify(montepioSubject, { ...montepioBirth, day: (montepioBirth.day % 28) + 1 }, right)).toBeUndefined();
    // Answers as option numbers do not stand in for typed answers.
    expect(await identity.verify(montepioSubject, montepioBirth, [0, 0])).toBeUndefined();
    expect(await identity.checkTyped(montepioSubject, first.id, 'Quito')).toBe(false);
    // The answer to one personal question is not the answer to the other.
    expect(await identity.checkTyped(montepioSubject, first.id, montepio.personal![second.id])).toBe(false);
    expect(await identity.checkTyped(montepioSubject, 'favourite_colour', 'azul')).toBe(false);
  });

  it('asks a person with a work history and personal answers one of each', async () => {
    const person = data.persons.find((p) => p.workHistory.length > 0 && p.personal)!;
    const subject: Subject = { kind: 'person', cedula: person.cedula };
    const questions = await identity.questions(subject);
    expect(questions.map((q) => `${q.kind}:${q.id}`)).toEqual(['choice:employer_worked', expect.stringMatching(/^typed:/)]);
    const [, month, day] = person.birthDate.split('-').map(Number);
    const answers = await rightAnswersFor(person, asTyped);
    expect((await identity.verify(subject, { day, month }, answers))?.accountId).toBe(person.id);
    expect(await identity.verify(subject, { day, month }, [answers[0], { typedRight: false }])).toBeUndefined();
  });

  it('makes the same directory calls for a typed answer whether the number is registered or not', async () => {
    const calls: string[] = [];
    const counting: AccountDirectory = {
      ...directory,
      findAccount: (s) => (calls.push('lookup'), directory.findAccount(s)),
      birthMatches: (id, b) => directory.birthMatches(id, b),
      questions: (id) => directory.questions(id),
      answersMatch: (id, a) => directory.answersMatch(id, a),
      typedAnswerMatches: (id, q, a) => (
        calls.push(`typed:${id.startsWith('decoy-') ? 'decoy' : 'real'}:${q}`),
        directory.typedAnswerMatches(id, q, a)
      ),
      contact: (id) => directory.contact(id),
      keyOwnerFacts: (id) => directory.keyOwnerFacts(id),
      setKey: (id, k) => directory.setKey(id, k),
      ready: () => directory.ready(),
    };
    const check = createIdentityCheck(counting, SECRET, bundledDecoyVocabulary());
    const [stranger] = unknownsWithShape('typed+typed');
    const [mine] = await check.questions(montepioSubject);
    const [theirs] = await check.questions(stranger);
    calls.length = 0;
    expect(await check.checkTyped(montepioSubject, mine.id, montepio.personal![mine.id])).toBe(true);
    expect(await check.checkTyped(stranger, theirs.id, montepio.personal![mine.id])).toBe(false);
    expect(calls).toEqual(['lookup', `typed:real:${mine.id}`, 'lookup', `typed:decoy:${theirs.id}`]);
  });
});

describe('decoys cover every kind of question', () => {
  const vocabulary = bundledDecoyVocabulary();
  const cedulas = Array.from({ length: 3_000 }, (_, n) => {
    const nine = `17${String(n).padStart(7, '0')}`;
    let sum = 0;
    for (let i = 0; i < 9; i++) {
      const product = Number(nine[i]) * (i % 2 === 0 ? 2 : 1);
      sum += product > 9 ? product - 9 : product;
    }
    return `${nine}${(10 - (sum % 10)) % 10}`;
  });

  it('gives unknown cédulas the shapes real people get, in the mix of decoys.personShapes, with the same question ids', () => {
    const counts = new Map<string, number>();
    for (const cedula of cedulas) {
      const questions = decoyQuestions({ kind: 'person', cedula }, vocabulary, SECRET).map((b) => b.question);
      const kinds = questions.map((q) => (q.kind === 'typed' ? `typed` : q.id)).join('+');
      counts.set(kinds, (counts.get(kinds) ?? 0) + 1);
      for (const q of questions) if (q.kind === 'typed') expect(vocabulary.personalQuestions).toContain(q.id);
      if (questions.every((q) => q.kind === 'typed')) expect(new Set(questions.map((q) => q.id)).size).toBe(2);
    }
    const { work, mixed, personal } = vocabulary.personShapes;
    const total = work + mixed + personal;
    expect([...counts.keys()].sort()).toEqual(['employer_worked+typed', 'employer_worked+year_started', 'typed+typed']);
    const share = (kinds: string) => (counts.get(kinds) ?? 0) / cedulas.length;
    expect(share('employer_worked+year_started')).toBeCloseTo(work / total, 1);
    expect(share('employer_worked+typed')).toBeCloseTo(mixed / total, 1);
    expect(share('typed+typed')).toBeCloseTo(personal / total, 1);
  });

  it('gives each real shape a decoy that looks the same, asked again alike, and never verified', async () => {
    const real = {
      'typed+typed': montepioSubject,
      'choice+typed': { kind: 'person' as const, cedula: data.persons.find((p) => p.workHistory.length > 0 && p.personal)!.cedula },
      'choice+choice': mariaSubject,
    };
    for (const [kinds, subject] of Object.entries(real)) {
      const [stranger] = unknownsWithShape(kinds);
      const decoy = await identity.questions(stranger);
      const mine = await identity.questions(subject);
      expect(
        decoy.map((q) => q.kind),
        kinds,
      ).toEqual(mine.map((q) => q.kind));
      expect(decoy.map((q) => q.kind === 'choice' && q.options.length)).toEqual(mine.map((q) => q.kind === 'choice' && q.options.length));
      expect(await identity.questions(stranger)).toEqual(decoy);
      for (const q of decoy) if (q.kind === 'typed') expect(await identity.checkTyped(stranger, q.id, 'Mercedes Paucar')).toBe(false);
      for (const answers of allAnswerCombinations(decoy))
        expect(await identity.verify(stranger, { day: 27, month: 4 }, answers), `${kinds} ${JSON.stringify(answers)}`).toBeUndefined();
    }
  });
});
