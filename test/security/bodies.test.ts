import { connect } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/handoff/agents';
import { startTestApp } from '../helpers/app';
import { waitFor } from '../helpers/redis';
import { startServer, type ServerProcess } from '../helpers/server';

/**
 * Compressed and oversized bodies, against the assistant in its own process: none may end it
 * (restify's gunzip had no error listener) or fill its memory (the limit counted compressed bytes).
 */

const JSON_ROUTES = ['/api/clave/estado', '/api/clave/nueva', '/api/messages', '/api/webchat/token', '/agent/api/login'];
const FORM_ROUTES = ['/api/whatsapp', '/api/whatsapp/status'];

let server: ServerProcess;
beforeAll(async () => {
  server = await startServer({
    TWILIO_ACCOUNT_SID: 'AC00000000000000000000000000000000',
    TWILIO_AUTH_TOKEN: 'test-auth-token',
    TWILIO_WHATSAPP_FROM: 'whatsapp:+14155238886',
    TWILIO_API_BASE_URL: 'http://127.0.0.1:9',
    AGENTS: `ana:${await hashPassword('clave-de-ana', { N: 1024, r: 8, p: 1 })}`,
  });
});
afterAll(async () => {
  await server?.stop();
});

const post = (path: string, body: Uint8Array | string, headers: Record<string, string>) =>
  fetch(`${server.url}${path}`, { method: 'POST', headers, body: typeof body === 'string' ? body : new Uint8Array(body) });

async function expectAlive() {
  expect(server.exited(), server.stderr()).toBeUndefined();
  expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
}

describe('compressed bodies', () => {
  const garbage = Buffer.from('x');
  const bigGzip = gzipSync(JSON.stringify({ type: 'message', text: 'a'.repeat(300_000) }));

  it.each([...JSON_ROUTES.map((r) => [r, 'application/json']), ...FORM_ROUTES.map((r) => [r, 'application/x-www-form-urlencoded'])])(
    '%s refuses gzip garbage, a gzip over its limit, deflate and br with 415 and stays up',
    async (route, type) => {
      for (const [encoding, body] of [
        ['gzip', garbage],
        ['gzip', bigGzip],
        ['deflate', garbage],
        ['br', garbage],
        ['GZIP', gzipSync('{}')],
        ['gzip, identity', gzipSync('{}')],
      ] as const) {
        const res = await post(route, body, { 'content-type': type, 'content-encoding': encoding, 'x-twilio-signature': 'x' });
        expect(res.status, `${encoding} ${body.length} bytes`).toBe(415);
        expect(res.headers.get('accept-encoding')).toBe('identity');
        await res.arrayBuffer();
        await expectAlive();
      }
    },
  );

  it('refuses a gzip bomb on /api/messages without decompressing it (memory stays flat)', async () => {
    const bomb = gzipSync(Buffer.alloc(150 * 1024 * 1024, ' '), { level: 9 });
    expect(bomb.length).toBeLessThan(256 * 1024);
    const before = server.rss();
    for (let i = 0; i < 3; i++) {
      const res = await post('/api/messages', bomb, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      expect(res.status).toBe(415);
      await res.arrayBuffer();
    }
    await expectAlive();
    // Decompressed, each would take 150 MB; the margin covers the heap's own growth under load.
    const grown = server.rss() - before;
    expect(grown, `RSS grew ${Math.round(grown / 1024 / 1024)} MB`).toBeLessThan(100 * 1024 * 1024);
  });
});

describe('sizes and types', () => {
  it('answers 413 to a body over the route limit, declared or streamed, and stays up', async () => {
    const huge = JSON.stringify({ type: 'message', text: 'a'.repeat(300_000) });
    const declared = await post('/api/messages', huge, { 'content-type': 'application/json' });
    expect(declared.status).toBe(413);
    await declared.arrayBuffer();
    const streamed = await fetch(`${server.url}/api/clave/nueva`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: new Blob([huge]).stream(),
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);
    await streamed.arrayBuffer();
    await expectAlive();
  });

  it('answers 400 to invalid UTF-8 and 415 to another charset or a broken Content-Type', async () => {
    const invalid = Buffer.concat([Buffer.from('{"token":"'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}')]);
    expect((await post('/api/clave/estado', invalid, { 'content-type': 'application/json' })).status).toBe(400);
    expect((await post('/api/clave/estado', '{}', { 'content-type': 'application/json; charset=latin1' })).status).toBe(415);
    expect((await post('/api/clave/estado', '{}', { 'content-type': 'json' })).status).toBe(415);
    await expectAlive();
  });

  it('the new-key API takes JSON only: text/plain and forms get 415', async () => {
    for (const route of ['/api/clave/estado', '/api/clave/nueva']) {
      for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
        const res = await post(route, '{"token":"x","key":"abc123","confirm":"abc123"}', { 'content-type': type });
        expect(res.status, `${route} ${type}`).toBe(415);
        expect(await res.json()).toEqual({ ok: false, reason: 'malformed' });
      }
    }
  });
});

describe('a client that leaves halfway through its body', () => {
  it('ends that request only: nothing stays in flight and the server goes on', async () => {
    const h = await startTestApp();
    try {
      const port = Number(new URL(h.url).port);
      for (const path of ['/api/clave/estado', '/api/messages', '/api/webchat/token']) {
        const socket = connect(port, '127.0.0.1');
        await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
        socket.write(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"tok`);
        await new Promise<void>((resolve) => socket.end(() => resolve()));
        socket.destroy();
      }
      expect(await waitFor(() => h.app.server.inflightRequests() === 0, 5_000)).toBe(true);
      expect((await fetch(`${h.url}/healthz`)).status).toBe(200);
    } finally {
      await h.close();
    }
  });
});
