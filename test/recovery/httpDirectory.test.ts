import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DemoDirectory, loadDemoData } from '../../src/recovery/demoDirectory';
import { DirectoryUnavailableError, HttpDirectory } from '../../src/recovery/httpDirectory';
import { UnknownAccountError, createIdentityCheck } from '../../src/recovery/identityCheck';
import type { Subject } from '../../src/recovery/types';

const SECRET = 'test-secret-for-http-directory-0123456789';
const TOKEN = 'directory-token-for-tests';
const data = loadDemoData('src/recovery/demo-accounts.json');
const maria = data.persons.find((p) => p.cedula === '1714307103')!;
const company = data.employers.find((e) => e.ruc[2] === '9')!;

/** What the fake operator does with the next requests. */
type Mode = 'normal' | 'slow' | 'wrong-shape' | 'not-json' | 'error';

/**
 * The identity API of the README, implemented over the demo directory the way an operator
 * would, plus switches for the ways a real service misbehaves.
 */
function identityApi(directory: OperatorData) {
  const state = { mode: 'normal' as Mode, requests: [] as { method: string; path: string; auth?: string }[] };
  const lookup = z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('person'), number: z.string() }),
    z.object({ kind: z.literal('employer'), number: z.string(), representativeCedula: z.string() }),
  ]);

  const send = (res: ServerResponse, status: number, body?: unknown) => {
    res.writeHead(status, body === undefined ? {} : { 'content-type': 'application/json' });
    res.end(body === undefined ? undefined : JSON.stringify(body));
  };

  async function readJson(req: IncomingMessage): Promise<unknown> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
  }

  async function route(req: IncomingMessage, res: ServerResponse) {
    const path = new URL(req.url ?? '/', 'http://x').pathname.replace(/^\/api/, '');
    state.requests.push({ method: req.method ?? '', path, auth: req.headers.authorization });
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return send(res, 401, { error: 'unauthorized' });
    if (state.mode === 'slow') return; // never answers; the client's timeout must end it
    if (state.mode === 'error') return send(res, 503, { error: 'maintenance' });
    if (state.mode === 'not-json') {
      res.writeHead(200, { 'content-type': 'text/html' });
      return res.end('<html>proxy error</html>');
    }
    if (state.mode === 'wrong-shape') return send(res, 200, { accountId: 42, match: 'yes', questions: 'none' });

    const body = await readJson(req);
    if (req.method === 'GET' && path === '/health') return send(res, 200, { status: 'ok' });
    if (req.method === 'POST' && path === '/accounts/lookup') {
      const parsed = lookup.safeParse(body);
      if (!parsed.success) return send(res, 400, { error: 'bad request' });
      const q = parsed.data;
      const subject: Subject =
        q.kind === 'person'
          ? { kind: 'person', cedula: q.number }
          : { kind: 'employer', ruc: q.number, representativeCedula: q.representativeCedula };
      const accountId = await directory.findAccount(subject);
      return accountId ? send(res, 200, { accountId }) : send(res, 404, { error: 'not found' });
    }
    const match = /^\/accounts\/([^/]+)\/([a-z-]+)$/.exec(path);
    if (!match) return send(res, 404, { error: 'no route' });
    const id = decodeURIComponent(match[1]);
    const known = (await directory.findAccountById(id)) !== undefined;
    if (!known) return send(res, 404, { error: 'not found' });
    const action = `${req.method} ${match[2]}`;
    if (action === 'POST verify-birth') {
      const b = z.object({ day: z.number(), month: z.number() }).parse(body);
      return send(res, 200, { match: await directory.birthMatches(id, b) });
    }
    if (action === 'GET questions') return send(res, 200, { questions: await directory.questions(id) });
    if (action === 'POST verify-answers') {
      const a = z.object({ answers: z.array(z.number()) }).parse(body);
      return send(res, 200, { match: await directory.answersMatch(id, a.answers) });
    }
    if (action === 'GET contact') return send(res, 200, await directory.contact(id));
    if (action === 'GET key-owner') return send(res, 200, await directory.keyOwnerFacts(id));
    if (action === 'PUT key') {
      await directory.setKey(id, z.object({ key: z.string() }).parse(body).key);
      return send(res, 204);
    }
    return send(res, 404, { error: 'no route' });
  }

  const server = createServer((req, res) => {
    route(req, res).catch(() => send(res, 500, { error: 'internal' }));
  });
  return { server, state };
}

/** The demo directory with a lookup by id, as the fake operator needs. */
class OperatorData extends DemoDirectory {
  async findAccountById(id: string) {
    return [...data.persons, ...data.employers].find((a) => a.id === id)?.id;
  }
}

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
});

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
    const questions = await directory.questions(maria.id);
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
    const [company0, year] = await identity.questions(subject);
    const history = maria.workHistory.map((w) => w.employer);
    const answers = [company0.options.findIndex((o) => history.includes(o)), year.options.indexOf('2010')];
    expect((await identity.verify(subject, { day: 15, month: 3 }, answers))?.accountId).toBe(maria.id);
    expect(await identity.verify(subject, { day: 15, month: 4 }, answers)).toBeUndefined();
    const unknown = await identity.questions({ kind: 'person', cedula: '0602910945' });
    expect(unknown.map((q) => q.options.length)).toEqual([4, 4]);
  });
});

describe('HttpDirectory when the identity API misbehaves', () => {
  const person: Subject = { kind: 'person', cedula: maria.cedula };

  it('throws DirectoryUnavailableError when the API does not answer in time', async () => {
    state.mode = 'slow';
    const error = await client({ timeoutMs: 200 }).findAccount(person).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DirectoryUnavailableError);
    expect((error as DirectoryUnavailableError).message).toMatch(/lookup.*no answer within 200 ms/);
  });

  it('throws DirectoryUnavailableError on a body of the wrong shape, naming the field but not the data', async () => {
    state.mode = 'wrong-shape';
    const error = await client().findAccount(person).catch((e: unknown) => e);
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
