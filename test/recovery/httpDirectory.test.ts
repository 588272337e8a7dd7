import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadDemoData } from '../../src/recovery/demoDirectory';
import { DirectoryUnavailableError, UnknownAccountError } from '../../src/errors';
import { HttpDirectory } from '../../src/recovery/httpDirectory';
import { createIdentityCheck } from '../../src/recovery/identityCheck';
import type { ChoiceQuestion, Subject } from '../../src/recovery/types';
import { IDENTITY_API_TOKEN, OperatorData, identityApi } from '../helpers/identityApi';

const SECRET = 'test-secret-for-http-directory-0123456789';
const TOKEN = IDENTITY_API_TOKEN;
const data = loadDemoData('src/recovery/demo-accounts.json');
const maria = data.persons.find((p) => p.cedula === '1714307103')!;
const company = data.employers.find((e) => e.ruc[2] === '9')!;
const montepio = data.persons.find((p) => p.kind === 'montepio')!;

let server: Server;
let state: ReturnType<typeof identityApi>['state'];
let baseUrl: string;
const operator = new OperatorData(data, SECRET);

beforeAll(async () => {
  const api = identityApi(operator);
  server = api.server;
  state = api.state;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  state.mode = 'normal';
  state.requests.length = 0;
  state.bodies.length = 0;
});

/** A one-route identity API answering GET …/questions with `questions`, for shapes the stand-in never sends. */
async function answeringQuestions(questions: unknown): Promise<{ url: string; close: () => Promise<void> }> {
  const fixed = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ questions }));
  });
  await new Promise<void>((resolve) => fixed.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(fixed.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => fixed.close(() => resolve())),
  };
}

const client = (overrides: Partial<ConstructorParameters<typeof HttpDirectory>[0]> = {}) =>
  new HttpDirectory({ baseUrl, token: TOKEN, timeoutMs: 2_000, ...overrides });

describe('HttpDirectory against the identity API', () => {
  it('looks up persons and employers, with 404 as not found', async () => {
    const directory = client();
    expect(await directory.findAccount({ kind: 'person', cedula: maria.cedula })).toBe(maria.id);
    expect(await directory.findAccount({ kind: 'person', cedula: '0602910945' })).toBeUndefined();
    const employer: Subject = { kind: 'employer', ruc: company.ruc, representativeCedula: company.representative.cedula };
    expect(await directory.findAccount(employer)).toBe(company.id);
    expect(await directory.findAccount({ ...employer, representativeCedula: maria.cedula })).toBeUndefined();
    expect(state.requests[0]).toEqual({ method: 'POST', path: '/accounts/lookup', auth: `Bearer ${TOKEN}` });
  });

  it('checks birth and answers, and returns the questions and contact the operator holds', async () => {
    const directory = client();
    expect(await directory.birthMatches(maria.id, { day: 15, month: 3 })).toBe(true);
    expect(await directory.birthMatches(maria.id, { day: 14, month: 3 })).toBe(false);
    expect(await directory.birthMatches('nobody', { day: 15, month: 3 })).toBe(false);
    const questions = (await directory.questions(maria.id)) as ChoiceQuestion[];
    expect(questions).toEqual(await operator.questions(maria.id));
    const history = maria.workHistory.map((w) => w.employer);
    const right = [questions[0].options.findIndex((o) => history.includes(o)), questions[1].options.indexOf('2010')];
    expect(await directory.answersMatch(maria.id, right)).toBe(true);
    expect(await directory.answersMatch(maria.id, [right[0], (right[1] + 1) % 4])).toBe(false);
    expect(await directory.contact(maria.id)).toEqual({ email: maria.email, mailboxLost: false, firstName: 'María' });
    await expect(directory.contact('nobody')).rejects.toThrow(UnknownAccountError);
    await expect(directory.questions('nobody')).rejects.toThrow(UnknownAccountError);
  });

  it('reads whose key it is (numbers and birth date) for the new-key rule', async () => {
    const directory = client();
    expect(await directory.keyOwnerFacts(maria.id)).toEqual({ numbers: [maria.cedula], birthDate: maria.birthDate });
    expect(await directory.keyOwnerFacts(company.id)).toEqual({ numbers: [company.ruc, company.representative.cedula] });
    expect(state.requests.at(-1)).toMatchObject({ method: 'GET', path: `/accounts/${company.id}/key-owner` });
    await expect(directory.keyOwnerFacts('nobody')).rejects.toThrow(UnknownAccountError);
  });

  it('sets a new key at the operator', async () => {
    await client().setKey(company.id, 'Patronal2025');
    expect(await operator.keyMatches(company.id, 'Patronal2025')).toBe(true);
    expect(state.requests.at(-1)).toMatchObject({ method: 'PUT', path: `/accounts/${company.id}/key` });
  });

  it('encodes account ids in the path', async () => {
    expect(await client().birthMatches('../health', { day: 1, month: 1 })).toBe(false);
    expect(state.requests.at(-1)?.path).toBe('/accounts/..%2Fhealth/verify-birth');
  });

  it('reports ready only when the health endpoint answers', async () => {
    expect(await client().ready()).toBe(true);
    state.mode = 'error';
    expect(await client().ready()).toBe(false);
  });

  it('drives the identity check end to end', async () => {
    const identity = createIdentityCheck(client(), SECRET);
    const subject: Subject = { kind: 'person', cedula: maria.cedula };
    const [company0, year] = (await identity.questions(subject)) as ChoiceQuestion[];
    const history = maria.workHistory.map((w) => w.employer);
    const answers = [company0.options.findIndex((o) => history.includes(o)), year.options.indexOf('2010')];
    expect((await identity.verify(subject, { day: 15, month: 3 }, answers))?.accountId).toBe(maria.id);
    expect(await identity.verify(subject, { day: 15, month: 4 }, answers)).toBeUndefined();
    const unknown = await identity.questions({ kind: 'person', cedula: '0602910945' });
    expect(unknown.map((q) => q.kind === 'choice' && q.options.length)).toEqual([4, 4]);
  });

  it('passes on typed personal questions, and the operator compares the answer as typed', async () => {
    const directory = client();
    const questions = await directory.questions(montepio.id);
    expect(questions).toEqual(await operator.questions(montepio.id));
    expect(questions.map((q) => q.kind)).toEqual(['typed', 'typed']);
    expect(await directory.typedAnswerMatches(montepio.id, 'birth_city', 'riobanba')).toBe(true);
    expect(state.requests.at(-1)).toMatchObject({ method: 'POST', path: `/accounts/${montepio.id}/verify-typed-answer` });
    expect(JSON.parse(state.bodies.at(-1)!)).toEqual({ questionId: 'birth_city', answer: 'riobanba' });
    expect(await directory.typedAnswerMatches(montepio.id, 'birth_city', 'quito')).toBe(false);
    // The id a stranger's number is asked about: 404, so no match.
    expect(await directory.typedAnswerMatches('decoy-0123456789abcdef01234567', 'birth_city', 'riobamba')).toBe(false);
    // Typed questions hold null among the chosen options.
    expect(await directory.answersMatch(montepio.id, [null, null])).toBe(true);
    expect(JSON.parse(state.bodies.at(-1)!)).toEqual({ answers: [null, null] });
    // Nothing longer than a name or a city goes out.
    await directory.typedAnswerMatches(montepio.id, 'mother_name', 'x'.repeat(5_000));
    expect((JSON.parse(state.bodies.at(-1)!) as { answer: string }).answer).toHaveLength(200);
  });

  it('verifies a montepío pensioner by typed answers end to end, and never an unknown number', async () => {
    const identity = createIdentityCheck(client(), SECRET);
    const subject: Subject = { kind: 'person', cedula: montepio.cedula };
    const birth = { day: Number(montepio.birthDate.slice(8)), month: Number(montepio.birthDate.slice(5, 7)) };
    const answers = [];
    for (const q of await identity.questions(subject)) {
      const typed = montepio.personal![q.id].normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
      answers.push({ typedRight: await identity.checkTyped(subject, q.id, typed) });
    }
    expect((await identity.verify(subject, birth, answers))?.accountId).toBe(montepio.id);
    const stranger: Subject = { kind: 'person', cedula: '0602910945' };
    expect(await identity.checkTyped(stranger, 'birth_city', montepio.personal!.birth_city)).toBe(false);
    expect(await identity.verify(stranger, birth, [{ typedRight: true }, { typedRight: true }])).toBeUndefined();
  });

  it('reads a question without a kind as multiple choice, as the contract had it before typed questions', async () => {
    const api = await answeringQuestions([{ id: 'employer_worked', textKey: 'questions:employer_worked', options: ['A', 'B', 'C', 'D'] }]);
    try {
      expect(await new HttpDirectory({ baseUrl: api.url, timeoutMs: 2_000 }).questions('p01')).toEqual([
        { kind: 'choice', id: 'employer_worked', textKey: 'questions:employer_worked', options: ['A', 'B', 'C', 'D'] },
      ]);
    } finally {
      await api.close();
    }
  });

  it('refuses a question of an unknown kind, or multiple choice without options', async () => {
    for (const questions of [
      [{ kind: 'essay', id: 'mother_name', textKey: 'questions:mother_name' }],
      [{ kind: 'choice', id: 'employer_worked', textKey: 'questions:employer_worked' }],
    ]) {
      const api = await answeringQuestions(questions);
      try {
        await expect(new HttpDirectory({ baseUrl: api.url, timeoutMs: 2_000 }).questions('p01')).rejects.toThrow(
          /malformed response at questions/,
        );
      } finally {
        await api.close();
      }
    }
  });
});

describe('HttpDirectory when the identity API misbehaves', () => {
  const person: Subject = { kind: 'person', cedula: maria.cedula };

  it('throws DirectoryUnavailableError when the API does not answer in time', async () => {
    state.mode = 'slow';
    const error = await client({ timeoutMs: 200 })
      .findAccount(person)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DirectoryUnavailableError);
    expect((error as DirectoryUnavailableError).message).toMatch(/lookup.*no answer within 200 ms/);
  });

  it('throws DirectoryUnavailableError on a body of the wrong shape, naming the field but not the data', async () => {
    state.mode = 'wrong-shape';
    const error = await client()
      .findAccount(person)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DirectoryUnavailableError);
    expect((error as Error).message).toMatch(/malformed response at accountId/);
    await expect(client().questions(maria.id)).rejects.toThrow(/malformed response at questions/);
    await expect(client().birthMatches(maria.id, { day: 15, month: 3 })).rejects.toThrow(DirectoryUnavailableError);
  });

  it('throws DirectoryUnavailableError on a body that is not JSON', async () => {
    state.mode = 'not-json';
    await expect(client().contact(maria.id)).rejects.toThrow(/not JSON/);
  });

  it('throws DirectoryUnavailableError on an error status or a refused token', async () => {
    state.mode = 'error';
    await expect(client().findAccount(person)).rejects.toThrow(/HTTP 503/);
    state.mode = 'normal';
    await expect(client({ token: 'wrong' }).findAccount(person)).rejects.toThrow(/HTTP 401/);
    await expect(client({ token: undefined }).findAccount(person)).rejects.toThrow(DirectoryUnavailableError);
  });

  it('throws DirectoryUnavailableError when nothing listens, and is not ready', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const nowhere = new HttpDirectory({ baseUrl: `http://127.0.0.1:${port}`, timeoutMs: 2_000 });
    await expect(nowhere.findAccount(person)).rejects.toThrow(/network error/);
    expect(await nowhere.ready()).toBe(false);
  });
});
