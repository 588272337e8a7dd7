import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { testConfig } from '../../src/config';
import { DemoDataError, UnknownAccountError } from '../../src/errors';
import { DemoDirectory, loadDemoData } from '../../src/recovery/demoDirectory';
import { createDirectory } from '../../src/recovery/directory';
import { HttpDirectory } from '../../src/recovery/httpDirectory';
import type { ChoiceQuestion } from '../../src/recovery/types';

const FILE = 'src/recovery/demo-accounts.json';
const SECRET = 'test-secret-for-demo-directory-0123456789';
const data = loadDemoData(FILE);

// Independent implementations of the FACTS.md checks, so the data is not checked by the code it feeds.
function cedulaValid(c: string): boolean {
  if (!/^\d{10}$/.test(c)) return false;
  const province = Number(c.slice(0, 2));
  if (province < 1 || province > 24 || Number(c[2]) > 5) return false;
  let sum = 0;
  for (let i = 0; i < 9; i++) {
    const product = Number(c[i]) * (i % 2 === 0 ? 2 : 1);
    sum += product > 9 ? product - 9 : product;
  }
  return (10 - (sum % 10)) % 10 === Number(c[9]);
}

function mod11(digits: string, weights: number[]): number {
  const remainder = weights.reduce((s, w, i) => s + w * Number(digits[i]), 0) % 11;
  return remainder === 0 ? 0 : 11 - remainder;
}

type RucType = 'natural' | 'private' | 'public' | 'invalid';
function rucType(r: string): RucType {
  if (!/^\d{13}$/.test(r)) return 'invalid';
  const province = Number(r.slice(0, 2));
  if (province < 1 || province > 24) return 'invalid';
  if (r[2] === '9') return mod11(r, [4, 3, 2, 7, 6, 5, 4, 3, 2]) === Number(r[9]) && r.slice(10) !== '000' ? 'private' : 'invalid';
  if (r[2] === '6') return mod11(r, [3, 2, 7, 6, 5, 4, 3, 2]) === Number(r[8]) && r.slice(9) !== '0000' ? 'public' : 'invalid';
  return cedulaValid(r.slice(0, 10)) && r.slice(10) !== '000' ? 'natural' : 'invalid';
}

describe('the number checks used on the demo data', () => {
  it('agree with the known-valid and known-invalid numbers in FACTS.md', () => {
    for (const c of ['1714307103', '0602910945', '0926687856', '0910005917']) expect(cedulaValid(c), c).toBe(true);
    for (const c of ['1714307104', '0926687858', '1784307108', '8814307107']) expect(cedulaValid(c), c).toBe(false);
    for (const r of ['0926687856001', '1760001550001', '1792060346001', '0992397535001']) expect(rucType(r), r).not.toBe('invalid');
    for (const r of ['1763154690001', '0160000610001', '1760001550000']) expect(rucType(r), r).toBe('invalid');
  });
});

describe('demo accounts file', () => {
  it('has at least 20 affiliates and pensioners with valid cédulas from many provinces', () => {
    expect(data.persons.length).toBeGreaterThanOrEqual(20);
    expect(data.persons.some((p) => p.kind === 'afiliado')).toBe(true);
    expect(data.persons.some((p) => p.kind === 'jubilado')).toBe(true);
    for (const p of data.persons) expect(cedulaValid(p.cedula), `${p.id} ${p.cedula}`).toBe(true);
    expect(new Set(data.persons.map((p) => p.cedula.slice(0, 2))).size).toBeGreaterThanOrEqual(15);
  });

  it('uses none of the FACTS.md real-looking cédulas except 1714307103', () => {
    const numbers = [...data.persons.map((p) => p.cedula), ...data.employers.flatMap((e) => [e.ruc.slice(0, 10), e.representative.cedula])];
    for (const known of ['0602910945', '0926687856', '0910005917']) expect(numbers).not.toContain(known);
  });

  it('has work histories of one to four employers, pensioners with a retirement year, one lost mailbox', () => {
    const workers = data.persons.filter((p) => p.kind !== 'montepio');
    const sizes = workers.map((p) => p.workHistory.length);
    expect(sizes.every((n) => n >= 1 && n <= 4)).toBe(true);
    expect(sizes.filter((n) => n >= 2).length).toBeGreaterThan(workers.length / 2);
    expect(sizes).toContain(1);
    for (const p of data.persons.filter((p) => p.kind === 'jubilado'))
      expect(p.retiredIn, p.id).toBeGreaterThan(p.contributingSince ?? Infinity);
    expect(data.persons.filter((p) => p.mailboxLost)).toHaveLength(1);
  });

  it('has a montepío pensioner with no work history and a worker whose personal questions are used, both with every personal answer', () => {
    const montepio = data.persons.filter((p) => p.kind === 'montepio');
    expect(montepio).toHaveLength(1);
    expect(montepio[0].workHistory).toEqual([]);
    const mixed = data.persons.filter((p) => p.workHistory.length > 0 && p.personal);
    expect(mixed).toHaveLength(1);
    for (const p of [...montepio, ...mixed])
      expect(Object.keys(p.personal ?? {}).sort()).toEqual([...data.decoys.personalQuestions].sort());
  });

  it('has a text in both locales for every personal question', () => {
    for (const locale of ['es-EC', 'en']) {
      const texts = JSON.parse(readFileSync(`locales/${locale}/questions.json`, 'utf8')) as Record<string, string>;
      for (const id of data.decoys.personalQuestions) expect(texts[id], `${locale} questions:${id}`).toMatch(/\?$/);
    }
  });

  it('has five employers with valid RUCs: natural persons, private companies and a public entity', () => {
    expect(data.employers).toHaveLength(5);
    const types = data.employers.map((e) => rucType(e.ruc));
    expect(types).not.toContain('invalid');
    expect(types).toEqual(expect.arrayContaining(['natural', 'private', 'public']));
    for (const e of data.employers) expect(cedulaValid(e.representative.cedula), e.id).toBe(true);
    // A natural person's RUC is their own cédula, and they represent themselves.
    const natural = data.employers.filter((e) => rucType(e.ruc) === 'natural');
    expect(natural.map((e) => e.ruc.slice(0, 10))).toEqual(natural.map((e) => e.representative.cedula));
  });

  it('has only example-domain emails and at least 30 decoy companies', () => {
    const emails = [...data.persons, ...data.employers].map((a) => a.email);
    for (const email of emails) expect(email).toMatch(/@([a-z0-9-]+\.)*example\.(com|org|net)$/);
    expect(data.decoys.companies.length).toBeGreaterThanOrEqual(30);
  });

  it('refuses personal answers that miss a personal question, a person with neither work history nor personal answers, and a shape decoys never take', () => {
    const dir = mkdtempSync(join(tmpdir(), 'demo-accounts-'));
    try {
      const raw = JSON.parse(readFileSync(FILE, 'utf8'));
      const montepio = raw.persons.findIndex((p: { kind: string }) => p.kind === 'montepio');
      delete raw.persons[montepio].personal.birth_city;
      raw.persons[0].workHistory = [];
      raw.decoys.personShapes.mixed = 0;
      const bad = join(dir, 'bad.json');
      writeFileSync(bad, JSON.stringify(raw));
      expect(() => loadDemoData(bad)).toThrow(
        /p01: without a work history[\s\S]*must answer each of decoys\.personalQuestions[\s\S]*"mixed" questions/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a file with a real-looking email or an employer missing from the decoy pool, naming the problem', () => {
    const dir = mkdtempSync(join(tmpdir(), 'demo-accounts-'));
    try {
      const raw = JSON.parse(readFileSync(FILE, 'utf8'));
      raw.persons[0].email = 'someone@gmail.com';
      raw.persons[1].workHistory[0].employer = 'Empresa Inexistente S.A.';
      const bad = join(dir, 'bad.json');
      writeFileSync(bad, JSON.stringify(raw));
      expect(() => loadDemoData(bad)).toThrow(DemoDataError);
      expect(() => loadDemoData(bad)).toThrow(/persons\.0\.email[\s\S]*Empresa Inexistente/);
      writeFileSync(bad, '{ not json');
      expect(() => loadDemoData(bad)).toThrow(/not valid JSON/);
      expect(() => loadDemoData(join(dir, 'missing.json'))).toThrow(/not found/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('DemoDirectory', () => {
  const directory = new DemoDirectory(data, SECRET);
  const maria = data.persons.find((p) => p.cedula === '1714307103')!;
  const company = data.employers.find((e) => rucType(e.ruc) === 'private')!;

  it('finds persons by cédula and employers only with their legal representative', async () => {
    expect(await directory.findAccount({ kind: 'person', cedula: maria.cedula })).toBe(maria.id);
    expect(await directory.findAccount({ kind: 'person', cedula: '0602910945' })).toBeUndefined();
    const subject = { kind: 'employer' as const, ruc: company.ruc, representativeCedula: company.representative.cedula };
    expect(await directory.findAccount(subject)).toBe(company.id);
    expect(await directory.findAccount({ ...subject, representativeCedula: maria.cedula })).toBeUndefined();
  });

  it('matches the day and month of birth only', async () => {
    expect(await directory.birthMatches(maria.id, { day: 15, month: 3 })).toBe(true);
    expect(await directory.birthMatches(maria.id, { day: 3, month: 15 })).toBe(false);
    expect(await directory.birthMatches(maria.id, { day: 16, month: 3 })).toBe(false);
    expect(await directory.birthMatches('nobody', { day: 15, month: 3 })).toBe(false);
  });

  it('asks about a real employer among three decoys and the real start year, the same on every call', async () => {
    const questions = (await directory.questions(maria.id)) as ChoiceQuestion[];
    expect(questions.map((q) => q.textKey)).toEqual(['questions:employer_worked', 'questions:year_started']);
    const [employer, year] = questions;
    expect(employer.options).toHaveLength(4);
    expect(new Set(employer.options).size).toBe(4);
    const history = maria.workHistory.map((w) => w.employer);
    expect(employer.options.filter((o) => history.includes(o))).toHaveLength(1);
    expect(year.options).toContain('2010');
    expect(await directory.questions(maria.id)).toEqual(questions);
    expect(await new DemoDirectory(data, SECRET).questions(maria.id)).toEqual(questions);
  });

  it('accepts only every answer right', async () => {
    const [employer, year] = (await directory.questions(maria.id)) as ChoiceQuestion[];
    const history = maria.workHistory.map((w) => w.employer);
    const right = [employer.options.findIndex((o) => history.includes(o)), year.options.indexOf('2010')];
    expect(await directory.answersMatch(maria.id, right)).toBe(true);
    expect(await directory.answersMatch(maria.id, [(right[0] + 1) % 4, right[1]])).toBe(false);
    expect(await directory.answersMatch(maria.id, [right[0], (right[1] + 1) % 4])).toBe(false);
    expect(await directory.answersMatch(maria.id, [right[0]])).toBe(false);
    expect(await directory.answersMatch('nobody', right)).toBe(false);
  });

  it('gives employers questions about their razón social and sucursal', async () => {
    const [name, branch] = (await directory.questions(company.id)) as ChoiceQuestion[];
    expect(name.textKey).toBe('questions:razon_social');
    expect(name.options).toContain(company.razonSocial);
    expect(branch.textKey).toBe('questions:sucursal');
    expect(branch.options).toContain(company.sucursal);
    const right = [name.options.indexOf(company.razonSocial), branch.options.indexOf(company.sucursal)];
    expect(await directory.answersMatch(company.id, right)).toBe(true);
  });

  it('compares typed answers to the personal questions it asks, as people type them, and nothing else', async () => {
    const montepio = data.persons.find((p) => p.kind === 'montepio')!;
    const questions = await directory.questions(montepio.id);
    expect(questions.map((q) => q.kind)).toEqual(['typed', 'typed']);
    const city = montepio.personal!.birth_city; // "Riobamba"
    expect(await directory.typedAnswerMatches(montepio.id, 'birth_city', city.toLowerCase())).toBe(true);
    expect(await directory.typedAnswerMatches(montepio.id, 'birth_city', `${city.slice(0, 4)}n${city.slice(5)}`.toLowerCase())).toBe(true);
    expect(await directory.typedAnswerMatches(montepio.id, 'birth_city', 'Quito')).toBe(false);
    expect(await directory.typedAnswerMatches(montepio.id, 'mother_name', city)).toBe(false);
    // Right on file, but not a question this account is asked, or not a person's account.
    const mixed = data.persons.find((p) => p.workHistory.length > 0 && p.personal)!;
    const [, asked] = await directory.questions(mixed.id);
    const other = data.decoys.personalQuestions.find((id) => id !== asked.id)!;
    expect(await directory.typedAnswerMatches(mixed.id, asked.id, mixed.personal![asked.id])).toBe(true);
    expect(await directory.typedAnswerMatches(mixed.id, other, mixed.personal![other])).toBe(false);
    expect(await directory.typedAnswerMatches(maria.id, 'mother_name', 'María')).toBe(false);
    expect(await directory.typedAnswerMatches('nobody', 'birth_city', city)).toBe(false);
    // A typed question is answered by its own check, so its place in the choices is null.
    expect(await directory.answersMatch(montepio.id, [null, null])).toBe(true);
    expect(await directory.answersMatch(montepio.id, [0, 0])).toBe(false);
  });

  it('returns contact data, with the representative greeted for employers', async () => {
    expect(await directory.contact(maria.id)).toEqual({ email: maria.email, mailboxLost: false, firstName: 'María' });
    const lost = data.persons.find((p) => p.mailboxLost)!;
    expect((await directory.contact(lost.id)).mailboxLost).toBe(true);
    expect((await directory.contact(company.id)).firstName).toBe(company.representative.firstName.split(' ')[0]);
    await expect(directory.contact('nobody')).rejects.toThrow(UnknownAccountError);
  });

  it('keeps a new key only as a hash and refuses keys outside the rule', async () => {
    const key = 'NuevaClave2025';
    await directory.setKey(maria.id, key);
    expect(await directory.keyMatches(maria.id, key)).toBe(true);
    expect(await directory.keyMatches(maria.id, 'OtraClave2025')).toBe(false);
    const held = inspect(directory, { depth: 10, maxArrayLength: 1000, maxStringLength: 100_000 });
    expect(held).not.toContain(key);
    // A Buffer holding the key would show as "<Buffer 4e 75 65 …>".
    expect(held).not.toContain(
      Buffer.from(key)
        .toString('hex')
        .replace(/(..)(?!$)/g, '$1 ')
        .slice(0, 17),
    );
    await expect(directory.setKey(maria.id, 'abc')).rejects.toThrow(RangeError);
    await expect(directory.setKey(maria.id, 'con-simbolo!')).rejects.toThrow(RangeError);
    await expect(directory.setKey('nobody', key)).rejects.toThrow(UnknownAccountError);
    expect(await directory.ready()).toBe(true);
  });
});

describe('createDirectory', () => {
  it('builds the demo directory by default and the HTTP one when asked', async () => {
    const demo = createDirectory(testConfig());
    expect(demo).toBeInstanceOf(DemoDirectory);
    expect(await demo.findAccount({ kind: 'person', cedula: '1714307103' })).toBeDefined();
    const http = createDirectory(testConfig({ DIRECTORY: 'http', DIRECTORY_URL: 'http://127.0.0.1:9/api' }));
    expect(http).toBeInstanceOf(HttpDirectory);
  });
});
