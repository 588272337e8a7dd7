import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { z } from 'zod';
import { DemoDirectory, type DemoData } from '../../src/recovery/demoDirectory';
import type { Subject } from '../../src/recovery/types';

export const IDENTITY_API_TOKEN = 'directory-token-for-tests';

/** What the fake operator does with the next requests. */
export type IdentityApiMode = 'normal' | 'slow' | 'wrong-shape' | 'not-json' | 'error';

/** The demo directory with a lookup by id, as the fake operator needs. */
export class OperatorData extends DemoDirectory {
  constructor(
    private readonly accounts: DemoData,
    secret: string,
  ) {
    super(accounts, secret);
  }

  async findAccountById(id: string) {
    return [...this.accounts.persons, ...this.accounts.employers].find((a) => a.id === id)?.id;
  }
}

/**
 * The identity API of the README, implemented over the demo directory the way an operator
 * would, plus switches for the ways a real service misbehaves. `delayMs` holds every answer
 * that long, as a slow operator would.
 */
export function identityApi(directory: OperatorData, delayMs = 0) {
  const state = {
    mode: 'normal' as IdentityApiMode,
    delayMs,
    requests: [] as { method: string; path: string; auth?: string }[],
    /** Awaited before an account lookup is answered: a test holds a turn in flight with it. */
    holdLookup: undefined as (() => Promise<void>) | undefined,
    /** Request bodies as received, for checks on what the assistant sends. */
    bodies: [] as string[],
  };
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
    if (chunks.length) state.bodies.push(Buffer.concat(chunks).toString('utf8'));
    return chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
  }

  async function route(req: IncomingMessage, res: ServerResponse) {
    const path = new URL(req.url ?? '/', 'http://x').pathname.replace(/^\/api/, '');
    state.requests.push({ method: req.method ?? '', path, auth: req.headers.authorization });
    if (req.headers.authorization !== `Bearer ${IDENTITY_API_TOKEN}`) return send(res, 401, { error: 'unauthorized' });
    if (state.mode === 'slow') return; // never answers; the client's timeout must end it
    if (state.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, state.delayMs));
    if (state.mode === 'error') return send(res, 503, { error: 'maintenance' });
    if (state.mode === 'not-json') {
      res.writeHead(200, { 'content-type': 'text/html' });
      return res.end('<html>proxy error</html>');
    }
    if (state.mode === 'wrong-shape') return send(res, 200, { accountId: 42, match: 'yes', questions: 'none' });

    const body = await readJson(req);
    if (req.method === 'GET' && path === '/health') return send(res, 200, { status: 'ok' });
    if (req.method === 'POST' && path === '/accounts/lookup') {
      await state.holdLookup?.();
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
      const a = z.object({ answers: z.array(z.number().nullable()) }).parse(body);
      return send(res, 200, { match: await directory.answersMatch(id, a.answers) });
    }
    if (action === 'POST verify-typed-answer') {
      const a = z.object({ questionId: z.string(), answer: z.string() }).parse(body);
      return send(res, 200, { match: await directory.typedAnswerMatches(id, a.questionId, a.answer) });
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
