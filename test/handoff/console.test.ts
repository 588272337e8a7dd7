import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/handoff/agents';
import { startTestApp, type TestApp } from '../helpers/app';
import { chatOn } from '../helpers/person';

let t: TestApp;
let origin: string;

beforeAll(async () => {
  const cost = { N: 1024, r: 8, p: 1 };
  t = await startTestApp({
    AGENTS: [
      `ana:${await hashPassword('clave-ana-larga', cost)}`,
      `luis:${await hashPassword('clave-luis-larga', cost)}`,
      `maria:${await hashPassword('clave-maria-larga', cost)}`,
    ].join(';'),
    SERVICE_HOURS: '',
    // Behind one proxy, so a test can speak from several client addresses.
    TRUSTED_PROXY_HOPS: '1',
  });
  origin = t.url;
});
afterAll(() => t.close());

interface Session {
  cookie: string;
  csrf: string;
}

async function login(name: string, password: string, headers: Record<string, string> = { Origin: origin }) {
  const res = await fetch(`${t.url}/agent/api/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify({ name, password }),
  });
  return { res, body: (await res.json()) as Record<string, string> };
}

async function session(name: string, password: string): Promise<Session> {
  const { res, body } = await login(name, password);
  expect(res.status).toBe(200);
  const setCookie = res.headers.get('set-cookie') ?? '';
  expect(setCookie).toMatch(/HttpOnly/);
  expect(setCookie).toMatch(/SameSite=Strict/);
  return { cookie: setCookie.split(';')[0], csrf: body.csrf };
}

function call(s: Session | undefined, method: string, path: string, body?: unknown, extra: Record<string, string> = {}) {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (s) headers.Cookie = s.cookie;
  if (method !== 'GET' && s) Object.assign(headers, { Origin: origin, 'X-CSRF-Token': s.csrf, 'X-Request-Id': randomUUID() });
  return fetch(`${t.url}${path}`, {
    method,
    headers: { ...headers, ...extra },
    body: method === 'GET' ? undefined : JSON.stringify(body ?? {}),
  });
}

async function newTicket(): Promise<string> {
  const chat = await chatOn('inprocess', t);
  await chat.say('quiero hablar con un asesor');
  const open = await t.app.handoff.tickets.listOpen();
  return open[open.length - 1].id;
}

describe('agent console', () => {
  it('does not exist when no agents are configured', async () => {
    const bare = await startTestApp();
    try {
      expect((await fetch(`${bare.url}/agent`)).status).toBe(404);
      const login = await fetch(`${bare.url}/agent/api/login`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Origin: bare.url },
        body: JSON.stringify({ name: 'ana', password: 'clave-ana-larga' }),
      });
      expect(login.status).toBe(404);
    } finally {
      await bare.close();
    }
  });

  it('serves the page with a strict content policy', async () => {
    const res = await fetch(`${t.url}/agent`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(await res.text()).toContain('/agent/app.js');
  });

  it('serves each console page as one whole document: the shared head, then its own title and scripts', async () => {
    for (const [path, script] of [
      ['/agent', '/agent/app.js'],
      ['/agent/supervisor', '/agent/supervisor.js'],
    ]) {
      const res = await fetch(`${t.url}${path}`);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      const html = await res.text();
      expect(html).toMatch(/^<!doctype html>\n<html lang="es">\n<head>\n {2}<meta charset="utf-8">/);
      expect(html).toContain('<link rel="stylesheet" href="/agent/app.css">');
      expect(html.match(/<head>/g)).toHaveLength(1);
      expect(html.indexOf('<title>')).toBeGreaterThan(html.indexOf('<head>'));
      expect(html.indexOf(`<script src="${script}" defer></script>`)).toBeLessThan(html.indexOf('</head>'));
      expect(html.trimEnd()).toMatch(/<\/html>$/);
    }
  });

  it('answers unauthenticated and forged-cookie requests with 401 and nothing else', async () => {
    const ticketId = await newTicket();
    for (const [method, path] of [
      ['GET', '/agent/api/tickets'],
      ['GET', `/agent/api/tickets/${ticketId}`],
      ['GET', '/agent/api/events'],
      ['POST', `/agent/api/tickets/${ticketId}/claim`],
    ]) {
      const anonymous = await call(undefined, method, path);
      expect(anonymous.status, path).toBe(401);
      expect(await anonymous.json()).toEqual({ error: 'unauthorized' });
      const forged = await call({ cookie: `iess_agent=${'A'.repeat(43)}`, csrf: 'x' }, method, path);
      expect(forged.status, path).toBe(401);
      expect(await forged.json()).toEqual({ error: 'unauthorized' });
    }
  });

  it('refuses wrong passwords and limits login attempts', async () => {
    expect((await login('ana', 'equivocada')).res.status).toBe(401);
    expect((await login('nadie', 'equivocada')).res.status).toBe(401);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await login('maria', `mala-${i}`)).res.status);
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses[5]).toBe(429);
    expect((await login('maria', 'clave-maria-larga')).res.status).toBe(429);
    expect((await login('ana', 'clave-ana-larga', { Origin: 'https://evil.example' })).res.status).toBe(403);
  });

  it('a stranger guessing from elsewhere does not lock the agent out; each address is held firmly', async () => {
    const from = (address: string) => ({ Origin: origin, 'X-Forwarded-For': address });
    const stranger = from('203.0.113.9');
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await login('luis', `mala-${i}`, stranger)).res.status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    // Luis, at his own desk, signs in with his password.
    expect((await login('luis', 'clave-luis-larga', from('198.51.100.4'))).res.status).toBe(200);
    // The stranger's address has 20 attempts per 15 minutes, whatever the names.
    const more: number[] = [];
    for (let i = 0; i < 15; i++) more.push((await login(`nadie${i}`, 'equivocada', stranger)).res.status);
    expect(more.slice(0, 14).every((status) => status === 401)).toBe(true);
    expect(more[14]).toBe(429);
    expect((await login('ana', 'clave-ana-larga', stranger)).res.status).toBe(429);
  });

  it('rejects cross-site, token-less and replayed requests', async () => {
    const ana = await session('ana', 'clave-ana-larga');
    const ticketId = await newTicket();
    const claim = `/agent/api/tickets/${ticketId}/claim`;
    const forbidden = async (res: Response) => {
      expect(res.status).toBe(403);
      expect(await res.json()).toEqual({ error: 'forbidden' });
    };
    await forbidden(await call(ana, 'POST', claim, {}, { Origin: 'https://evil.example' }));
    await forbidden(await call(ana, 'POST', claim, {}, { 'Sec-Fetch-Site': 'cross-site' }));
    await forbidden(await call(ana, 'POST', claim, {}, { 'X-CSRF-Token': 'not-the-token' }));
    await forbidden(await call(ana, 'GET', '/agent/api/tickets', undefined, { 'Sec-Fetch-Site': 'cross-site' }));
    const requestId = randomUUID();
    const first = await call(ana, 'POST', claim, {}, { 'X-Request-Id': requestId });
    expect(first.status).toBe(200);
    await forbidden(await call(ana, 'POST', claim, {}, { 'X-Request-Id': requestId }));
    // After logout the same cookie is worthless.
    expect((await call(ana, 'POST', '/agent/api/logout')).status).toBe(200);
    expect((await call(ana, 'GET', '/agent/api/tickets')).status).toBe(401);
  });

  it('gives a ticket to exactly one of two agents claiming at once', async () => {
    const [ana, luis] = [await session('ana', 'clave-ana-larga'), await session('luis', 'clave-luis-larga')];
    const ticketId = await newTicket();
    const responses = await Promise.all([ana, luis].map((s) => call(s, 'POST', `/agent/api/tickets/${ticketId}/claim`)));
    expect(responses.map((r) => r.status).sort()).toEqual([200, 409]);
    const loser = responses.find((r) => r.status === 409)!;
    expect(await loser.json()).toMatchObject({ error: 'taken' });
  });

  it('lists the queue without conversation references and tells the agent a ticket is closed', async () => {
    const ana = await session('ana', 'clave-ana-larga');
    const ticketId = await newTicket();
    const list = (await (await call(ana, 'GET', '/agent/api/tickets')).json()) as { tickets: Array<Record<string, unknown>> };
    const listed = list.tickets.find((x) => x.id === ticketId)!;
    expect(listed).toMatchObject({ status: 'waiting', channel: 'console', reason: 'asked' });
    expect(listed).not.toHaveProperty('reference');
    expect(JSON.stringify(list)).not.toContain('conv-');

    expect((await call(ana, 'POST', `/agent/api/tickets/${ticketId}/messages`, { text: 'hola' })).status).toBe(409);
    expect((await call(ana, 'POST', `/agent/api/tickets/${ticketId}/claim`)).status).toBe(200);
    expect((await call(ana, 'POST', `/agent/api/tickets/${ticketId}/messages`, { text: 'hola' })).status).toBe(200);
    expect((await call(ana, 'POST', `/agent/api/tickets/${ticketId}/close`)).status).toBe(200);
    const late = await call(ana, 'POST', `/agent/api/tickets/${ticketId}/messages`, { text: '¿sigues ahí?' });
    expect(late.status).toBe(409);
    expect(await late.json()).toEqual({ error: 'closed' });
    expect((await call(ana, 'POST', `/agent/api/tickets/${ticketId}/close`)).status).toBe(409);
    expect((await call(ana, 'POST', `/agent/api/tickets/${ticketId}/messages`, { text: '' })).status).toBe(400);
    expect((await call(ana, 'GET', '/agent/api/tickets/not-a-ticket')).status).toBe(404);
  });

  it('reports tickets opened, waiting, served and wait time in /metrics', async () => {
    await newTicket();
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    expect(metrics).toMatch(/iess_handoff_tickets_opened_total\{reason="asked",channel="console"\} [1-9]/);
    expect(metrics).toMatch(/iess_handoff_tickets_waiting [1-9]/);
    expect(metrics).toMatch(/iess_handoff_tickets_served_total\{reason="asked"\} [1-9]/);
    expect(metrics).toMatch(/iess_handoff_wait_seconds_count\{reason="asked"\} [1-9]/);
  });

  it('pushes queue changes to a signed-in console over Server-Sent Events', async () => {
    const ana = await session('ana', 'clave-ana-larga');
    const controller = new AbortController();
    const res = await fetch(`${t.url}/agent/api/events`, { headers: { Cookie: ana.cookie }, signal: controller.signal });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const readUntil = async (needle: string) => {
      for (let i = 0; i < 50 && !text.includes(needle); i++) {
        const { value, done } = await reader.read();
        if (done) break;
        text += decoder.decode(value);
      }
    };
    await readUntil('"ready"');
    await newTicket();
    await readUntil('"queue"');
    controller.abort();
    expect(text).toContain('{"type":"queue"}');
  });

  it("serves canned replies in the ticket's language with the facts filled in", async () => {
    const ana = await session('ana', 'clave-ana-larga');
    const es = (await (await call(ana, 'GET', '/agent/api/canned?lang=es-EC')).json()) as {
      replies: Array<{ shortcut: string; text: string }>;
    };
    const en = (await (await call(ana, 'GET', '/agent/api/canned?lang=en')).json()) as {
      replies: Array<{ shortcut: string; text: string }>;
    };
    expect(es.replies.map((r) => r.shortcut)).toEqual(en.replies.map((r) => r.shortcut));
    expect(es.replies.find((r) => r.shortcut === 'linea')?.text).toBe('También puedes llamar a la línea 140.');
    expect(en.replies.find((r) => r.shortcut === 'cau')?.text).toContain('www.iess.gob.ec');
    expect(es.replies.find((r) => r.shortcut === 'algo-mas')?.text).toContain('Soy Ana');
    expect(JSON.stringify(es)).not.toContain('{{');
    // A person the bot speaks to in usted: the ticket's locale is es-EC-x-usted.
    const usted = (await (await call(ana, 'GET', '/agent/api/canned?lang=es-EC-x-usted')).json()) as {
      replies: Array<{ shortcut: string; text: string }>;
    };
    expect(usted.replies.find((r) => r.shortcut === 'linea')?.text).toBe('También puede llamar a la línea 140.');
    expect((await call(undefined, 'GET', '/agent/api/canned')).status).toBe(401);
  });

  it('notes, presence and transfers over the API, each refused with a reason when it cannot be done', async () => {
    const [ana, luis] = [await session('ana', 'clave-ana-larga'), await session('luis', 'clave-luis-larga')];
    const ticketId = await newTicket();
    expect((await call(ana, 'POST', `/agent/api/tickets/${ticketId}/claim`)).status).toBe(200);
    // Another agent may leave a note on a ticket they do not serve.
    expect((await call(luis, 'POST', `/agent/api/tickets/${ticketId}/notes`, { text: 'Lo atendí la semana pasada' })).status).toBe(200);
    expect((await call(luis, 'POST', `/agent/api/tickets/${ticketId}/notes`, { text: ' ' })).status).toBe(400);
    const detail = (await (await call(ana, 'GET', `/agent/api/tickets/${ticketId}`)).json()) as {
      transcript: Array<{ from: string; agent?: string; text: string }>;
    };
    expect(detail.transcript.at(-1)).toMatchObject({ from: 'note', agent: 'Luis', text: 'Lo atendí la semana pasada' });

    expect((await call(luis, 'POST', '/agent/api/presence', { status: 'away' })).status).toBe(200);
    const refused = await call(ana, 'POST', `/agent/api/tickets/${ticketId}/transfer`, { to: 'luis' });
    expect(refused.status).toBe(409);
    expect(await refused.json()).toEqual({ error: 'away' });
    expect((await call(luis, 'POST', '/agent/api/presence', { status: 'available' })).status).toBe(200);
    expect((await call(luis, 'POST', '/agent/api/presence', { status: 'dormido' })).status).toBe(400);
    const team = (await (await call(ana, 'GET', '/agent/api/team')).json()) as { team: Array<{ name: string; presence: string }> };
    expect(team.team.find((m) => m.name === 'luis')?.presence).toBe('available');
    expect((await call(luis, 'POST', `/agent/api/tickets/${ticketId}/transfer`, { to: 'ana' })).status).toBe(403);
    expect((await call(ana, 'POST', `/agent/api/tickets/${ticketId}/transfer`, { to: 'luis', note: 'Sigue tú' })).status).toBe(200);
    expect((await call(luis, 'POST', `/agent/api/tickets/${ticketId}/messages`, { text: 'Hola, sigo yo' })).status).toBe(200);
    expect((await call(luis, 'POST', `/agent/api/tickets/${ticketId}/transfer`, {})).status).toBe(200);
    const back = (await (await call(ana, 'GET', `/agent/api/tickets/${ticketId}`)).json()) as { ticket: { status: string } };
    expect(back.ticket.status).toBe('waiting');
  });

  it("gives the supervisor's numbers to supervisors only", async () => {
    const ana = await session('ana', 'clave-ana-larga');
    const refused = await call(ana, 'GET', '/agent/api/supervisor');
    expect(refused.status).toBe(403);
    expect(await refused.json()).toEqual({ error: 'forbidden' });
    expect((await call(undefined, 'GET', '/agent/api/supervisor')).status).toBe(401);
    expect((await fetch(`${t.url}/agent/chart.js`)).status).toBe(200);
  });
});
