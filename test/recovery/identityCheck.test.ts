import { describe, expect, it } from 'vitest';
import { DemoDirectory, loadDemoData } from '../../src/recovery/demoDirectory';
import { bundledDecoyVocabulary, createIdentityCheck } from '../../src/recovery/identityCheck';
import type { AccountDirectory, ChallengeQuestion, DayMonth, Subject } from '../../src/recovery/types';

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

const shape = (questions: ChallengeQuestion[]) => questions.map((q) => ({ id: q.id, textKey: q.textKey, options: q.options.length }));

/** The right option indexes, worked out from the demo facts the way a person would answer. */
async function rightAnswersFor(person: (typeof data.persons)[number]): Promise<number[]> {
  const [company, year] = await identity.questions({ kind: 'person', cedula: person.cedula });
  const history = person.workHistory.map((w) => w.employer);
  return [company.options.findIndex((o) => history.includes(o)), year.options.indexOf(String(person.contributingSince))];
}

/** Every combination of answers for questions with these option counts (4 × 4 = 16 here). */
function allAnswerCombinations(questions: ChallengeQuestion[]): number[][] {
  return questions.reduce<number[][]>(
    (combos, q) => combos.flatMap((c) => q.options.map((_, i) => [...c, i])),
    [[]],
  );
}

describe('identity check, known person', () => {
  it('returns the account with the right birth day/month and answers', async () => {
    const answers = await rightAnswersFor(maria);
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
    const answers = await rightAnswersFor(maria);
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
    for (const cedula of ['0602910945', '0926687856', '0910005917', '1104680135']) {
      const [company, year] = await identity.questions({ kind: 'person', cedula });
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
      const verdicts = await Promise.all(days.flatMap((day) => combos.map((answers) => identity.verify(unknownA, { day, month }, answers))));
      expect(verdicts.filter((v) => v !== undefined)).toEqual([]);
      expect(verdicts).toHaveLength(31 * 16);
    }
  });
});

describe('identity check, employers', () => {
  const rightAnswers = async (subject: Subject) => {
    const [name, branch] = await identity.questions(subject);
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
    for (const option of decoy[1].options) expect(bundledDecoyVocabulary().branches).toContain(option);
  });
});
