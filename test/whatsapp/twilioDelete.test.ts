import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { TwilioDeleteError, createTwilioDelete } from '../../src/channels/whatsapp/twilioDelete';

const ACCOUNT = `AC${'1'.repeat(32)}`;
const TOKEN = 'b'.repeat(32);
const MESSAGE = `SM${'2'.repeat(32)}`;
const AUTH = `Basic ${Buffer.from(`${ACCOUNT}:${TOKEN}`).toString('base64')}`;

/** A status and, when given, Twilio's JSON error body (not chained: restify's patched response returns nothing from writeHead). */
function answer(res: ServerResponse, status: number, body?: object): void {
  res.statusCode = status;
  if (body) res.setHeader('content-type', 'application/json');
  res.end(body ? JSON.stringify(body) : undefined);
}

/** A stand-in for Twilio's REST API that answers each DELETE with `answer` and records what it was asked. */
async function twilioAnswering(respond: (req: IncomingMessage, res: ServerResponse) => void) {
  const seen: { method?: string; url?: string; authorization?: string }[] = [];
  const server = createServer((req, res) => {
    seen.push({ method: req.method, url: req.url, authorization: req.headers.authorization });
    respond(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, seen, close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))) };
}

describe('deleting one resource at Twilio', () => {
  let twilio: Awaited<ReturnType<typeof twilioAnswering>> | undefined;
  afterEach(() => twilio?.close());
  const deleter = (url: string, timeoutMs?: number) =>
    createTwilioDelete(
      { accountSid: ACCOUNT, authToken: TOKEN, apiBaseUrl: `${url}/` } as Parameters<typeof createTwilioDelete>[0],
      timeoutMs,
    );

  it('sends the DELETE Twilio documents, with Basic auth, and is done on 204', async () => {
    twilio = await twilioAnswering((_req, res) => answer(res, 204));
    await deleter(twilio.url)(`Messages/${MESSAGE}.json`);
    expect(twilio.seen).toEqual([
      { method: 'DELETE', url: `/2010-04-01/Accounts/${ACCOUNT}/Messages/${MESSAGE}.json`, authorization: AUTH },
    ]);
  });

  it('is done on 404: Twilio has nothing left to delete', async () => {
    twilio = await twilioAnswering((_req, res) => answer(res, 404, { code: 20404, status: 404 }));
    await expect(deleter(twilio.url)(`Messages/${MESSAGE}.json`)).resolves.toBeUndefined();
  });

  it("rejects with Twilio's status and error code otherwise", async () => {
    twilio = await twilioAnswering((_req, res) => answer(res, 400, { code: 20009, message: 'Cannot delete message', status: 400 }));
    const failure = await deleter(twilio.url)(`Messages/${MESSAGE}.json`).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TwilioDeleteError);
    expect(failure).toMatchObject({ status: 400, code: 20009 });
  });

  it('gives up on a Twilio that does not answer', async () => {
    twilio = await twilioAnswering(() => undefined);
    await expect(deleter(twilio.url, 200)(`Messages/${MESSAGE}.json`)).rejects.toThrow(/timed out/);
  });
});
