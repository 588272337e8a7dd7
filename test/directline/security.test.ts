import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { TokenService } from '../../src/channels/directline/tokens';
import { MemoryKeyValueStore } from '../../src/store/memoryKeyValue';
import { type TestDirectLine, requestToken, startDirectLine, type WebchatToken } from '../helpers/channel';
import { until } from '../helpers/wait';

const ALLOWED_SITE = 'https://www.ejemplo-institucion.gob.ec';

let dl: TestDirectLine;

beforeAll(async () => {
  dl = await startDirectLine(
    {
      WEBCHAT_ALLOWED_ORIGINS: ` ${ALLOWED_SITE} `,
      DIRECTLINE_SECRET: 'operator-backend-secret-0123456789',
      TOKEN_REQUESTS_PER_MINUTE_PER_IP: '1000',
    },
    { keepAliveMs: 100 },
  );
});
afterAll(async () => {
  await dl.close();
});

const activitiesUrl = (conversationId: string, watermark = '') =>
  `${dl.url}/v3/directline/conversations/${conversationId}/activities${watermark ? `?watermark=${watermark}` : ''}`;

async function getActivities(conversationId: string, token: string) {
  return fetch(activitiesUrl(conversationId), { headers: { Authorization: `Bearer ${token}` } });
}

async function post(conversationId: string, token: string, body: string | object) {
  return fetch(activitiesUrl(conversationId), {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** A page that has started its conversation (and been greeted). */
async function startedConversation(): Promise<WebchatToken> {
  const issued = await requestToken(dl.url);
  const res = await fetch(`${dl.url}/v3/directline/conversations`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${issued.token}`, 'Content-Type': 'application/json' },
    body: '{}',
  });
  expect(res.status).toBe(201);
  return issued;
}

async function logOf(issued: WebchatToken) {
  const res = await getActivities(issued.conversationId, issued.token);
  expect(res.status).toBe(200);
  return (await res.json()) as { activities: { type: string; text?: string; id: string }[]; watermark: string };
}

function openSocket(conversationId: string, token: string, watermark = '') {
  const url = `${dl.url.replace('http', 'ws')}/v3/directline/conversations/${conversationId}/stream?t=${encodeURIComponent(token)}${watermark ? `&watermark=${watermark}` : ''}`;
  const ws = new WebSocket(url);
  const messages: { activities: { type: string; text?: string }[]; watermark?: string }[] = [];
  let closed: { code: number } | undefined;
  let refused: number | undefined;
  let pings = 0;
  ws.on('message', (data) => messages.push(JSON.parse((data as Buffer).toString('utf8'))));
  ws.on('close', (code) => (closed = { code }));
  ws.on('ping', () => pings++);
  ws.on('unexpected-response', (_req, res) => {
    refused = res.statusCode;
    ws.terminate();
  });
  ws.on('error', () => undefined);
  return { ws, messages, closed: () => closed, refused: () => refused, pings: () => pings };
}

describe('the token endpoint', () => {
  it('gives a token to pages of allowed origins and to callers without an Origin, with CORS for the allowed ones', async () => {
    for (const origin of [ALLOWED_SITE, new URL(dl.config.PUBLIC_BASE_URL).origin]) {
      const res = await fetch(`${dl.url}/api/webchat/token`, { method: 'POST', headers: { Origin: origin } });
      expect(res.status).toBe(200);
      expect(res.headers.get('access-control-allow-origin')).toBe(origin);
      const body = (await res.json()) as WebchatToken;
      expect(body.domain).toBe(`${dl.url}/v3/directline`);
      expect(body.userId).toMatch(/^dl_/);
      expect(res.headers.get('cache-control')).toBe('no-store');
    }
    const noOrigin = await fetch(`${dl.url}/api/webchat/token`, { method: 'POST' });
    expect(noOrigin.status).toBe(200);
  });

  it('gives nothing to other origins, preflight included', async () => {
    const res = await fetch(`${dl.url}/api/webchat/token`, { method: 'POST', headers: { Origin: 'https://phishing.example' } });
    expect(res.status).toBe(403);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(JSON.stringify(await res.json())).not.toContain('token"');
    const preflight = await fetch(`${dl.url}/api/webchat/token`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://phishing.example', 'Access-Control-Request-Method': 'POST' },
    });
    expect(preflight.status).toBe(403);
    const allowedPreflight = await fetch(`${dl.url}/v3/directline/conversations`, {
      method: 'OPTIONS',
      headers: { Origin: ALLOWED_SITE, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization' },
    });
    expect(allowedPreflight.status).toBe(204);
    expect(allowedPreflight.headers.get('access-control-allow-headers')).toMatch(/Authorization/);
  });

  it('limits tokens per client address', async () => {
    const limited = await startDirectLine({ TOKEN_REQUESTS_PER_MINUTE_PER_IP: '3' });
    try {
      const answers: { status: number; retryAfter: boolean }[] = [];
      for (let i = 0; i < 5; i++) {
        const res = await fetch(`${limited.url}/api/webchat/token`, { method: 'POST' });
        answers.push({ status: res.status, retryAfter: Number(res.headers.get('retry-after')) > 0 });
      }
      // Refusals say when to come back.
      expect(answers).toEqual([200, 200, 200, 429, 429].map((status) => ({ status, retryAfter: status === 429 })));
    } finally {
      await limited.close();
    }
  });

  it('behind a trusted proxy, limits each client by the address the proxy saw, not by what the client wrote', async () => {
    const behindProxy = await startDirectLine({ TOKEN_REQUESTS_PER_MINUTE_PER_IP: '2', TRUSTED_PROXY_HOPS: '1' });
    const direct = await startDirectLine({ TOKEN_REQUESTS_PER_MINUTE_PER_IP: '2' });
    const token = (url: string, forwardedFor: string) =>
      fetch(`${url}/api/webchat/token`, { method: 'POST', headers: { 'X-Forwarded-For': forwardedFor } }).then((r) => r.status);
    try {
      // The balancer appends the address it saw; a client's own entry (on the left) is ignored.
      expect([await token(behindProxy.url, '203.0.113.5'), await token(behindProxy.url, '198.51.100.1, 203.0.113.5')]).toEqual([200, 200]);
      expect(await token(behindProxy.url, '203.0.113.5')).toBe(429);
      expect(await token(behindProxy.url, '203.0.113.5, 198.51.100.7')).toBe(200);
      // With no proxy configured the header is not believed: a new value each time does not help.
      const statuses = [];
      for (const forged of ['192.0.2.1', '192.0.2.2', '192.0.2.3']) statuses.push(await token(direct.url, forged));
      expect(statuses).toEqual([200, 200, 429]);
    } finally {
      await Promise.all([behindProxy.close(), direct.close()]);
    }
  });

  it('rejects a body that is not JSON', async () => {
    const res = await fetch(`${dl.url}/api/webchat/token`, { method: 'POST', body: '{nope' });
    expect(res.status).toBe(400);
  });
});

describe('tokens', () => {
  it('refreshes a valid token into a new one for the same conversation', async () => {
    const issued = await startedConversation();
    const res = await fetch(`${dl.url}/v3/directline/tokens/refresh`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${issued.token}` },
    });
    expect(res.status).toBe(200);
    const refreshed = (await res.json()) as { conversationId: string; token: string; expires_in: number };
    expect(refreshed.conversationId).toBe(issued.conversationId);
    expect(refreshed.expires_in).toBe(1800);
    expect((await getActivities(issued.conversationId, refreshed.token)).status).toBe(200);
  });

  it('lets the operator backend generate tokens with the Direct Line secret, and nobody without it', async () => {
    const withSecret = await fetch(`${dl.url}/v3/directline/tokens/generate`, {
      method: 'POST',
      headers: { Authorization: 'Bearer operator-backend-secret-0123456789' },
    });
    expect(withSecret.status).toBe(200);
    const generated = (await withSecret.json()) as { conversationId: string; token: string };
    expect((await getActivities(generated.conversationId, generated.token)).status).toBe(200);

    const issued = await requestToken(dl.url);
    for (const authorization of ['Bearer wrong-secret', `Bearer ${issued.token}`, '']) {
      const res = await fetch(`${dl.url}/v3/directline/tokens/generate`, { method: 'POST', headers: { Authorization: authorization } });
      expect(res.status).toBe(403);
    }
  });

  it('answers 401 without a token, 403 to forged and expired ones, everywhere', async () => {
    const issued = await startedConversation();
    const forged = await new TokenService('another-secret-that-is-long-enough-0000', 1800).issue(issued.conversationId, issued.userId);
    const expired = await new TokenService(dl.config.SERVER_SECRET, 1800, () => Date.now() - 31 * 60 * 1000).issue(
      issued.conversationId,
      issued.userId,
    );
    const tampered = `${issued.token.slice(0, -4)}AAAA`;

    expect((await fetch(activitiesUrl(issued.conversationId))).status).toBe(401);
    for (const token of [forged.token, expired.token, tampered, 'not-a-jwt']) {
      expect((await getActivities(issued.conversationId, token)).status).toBe(403);
      expect((await post(issued.conversationId, token, { type: 'message', text: 'hola' })).status).toBe(403);
      const refresh = await fetch(`${dl.url}/v3/directline/tokens/refresh`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}` },
      });
      expect(refresh.status).toBe(403);
      const socket = openSocket(issued.conversationId, token);
      await until(() => socket.refused(), 'the refused socket');
      expect(socket.refused()).toBe(403);
    }
    const expiredBody = (await (await getActivities(issued.conversationId, expired.token)).json()) as { error: { code: string } };
    expect(expiredBody.error.code).toBe('TokenExpired');
    expect(dl.bot.received.filter((a) => a.conversation?.id === issued.conversationId)).toHaveLength(0);
  });

  it('refuses a token for another conversation, and answers 404 for a conversation that does not exist', async () => {
    const mine = await startedConversation();
    const theirs = await startedConversation();
    await post(theirs.conversationId, theirs.token, { type: 'message', text: 'mensaje privado' });
    const before = await logOf(theirs);

    expect((await getActivities(theirs.conversationId, mine.token)).status).toBe(403);
    expect((await post(theirs.conversationId, mine.token, { type: 'message', text: 'intruso' })).status).toBe(403);
    const socket = openSocket(theirs.conversationId, mine.token);
    await until(() => socket.refused(), 'the refused socket');
    expect(socket.refused()).toBe(403);

    expect((await getActivities('no-such-conversation', mine.token)).status).toBe(404);
    const ghost = await new TokenService(dl.config.SERVER_SECRET, 1800).issue('ghost-conversation', 'dl_ghost');
    expect((await getActivities('ghost-conversation', ghost.token)).status).toBe(404);
    const start = await fetch(`${dl.url}/v3/directline/conversations`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${ghost.token}` },
    });
    expect(start.status).toBe(404);
    await expect(
      dl.gateway.continueConversation(
        { channelId: 'directline', conversation: { id: 'ghost-conversation' } as never },
        async () => undefined,
      ),
    ).rejects.toThrow();

    expect(await logOf(theirs)).toEqual(before);
  });
});

describe('activities from the page', () => {
  it('turns away malformed bodies with 400 and oversized ones with 413; nothing reaches the bot or the log, and the conversation goes on', async () => {
    const issued = await startedConversation();
    const before = await logOf(issued);
    const received = dl.bot.received.length;

    const bad: (string | object)[] = [
      '{"type":"message","text":',
      'null',
      '[]',
      '"hola"',
      {},
      { type: 'conversationUpdate', membersAdded: [{ id: 'x' }] },
      { type: 'message' },
      { type: 'message', text: '   ' },
      { type: 'message', text: 42 },
      { type: 'message', text: 'x'.repeat(2_001) },
      { type: 'message', text: 'hola', attachments: [{ contentType: 'image/png', contentUrl: 'data:,' }] },
      { type: 'message', text: 'hola', from: { id: { nested: true } } },
      { type: 'event' },
    ];
    const oversized = JSON.stringify({ type: 'message', text: 'a', value: 'x'.repeat(20_000) });
    for (const body of [...bad, oversized]) {
      const res = await post(issued.conversationId, issued.token, body);
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(body === oversized ? 413 : 400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('BadArgument');
    }
    const upload = await fetch(`${activitiesUrl(issued.conversationId).replace('/activities', '/upload')}?userId=x`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${issued.token}` },
    });
    expect(upload.status).toBe(400);

    expect(dl.bot.received.length).toBe(received);
    expect(await logOf(issued)).toEqual(before);

    const ok = await post(issued.conversationId, issued.token, { type: 'message', text: 'sigo aquí' });
    expect(ok.status).toBe(200);
    // The POST answers after the bot's turn, so the reply is already in the log.
    const after = await logOf(issued);
    expect(after.activities.map((a) => a.text)).toEqual([...before.activities.map((a) => a.text), 'sigo aquí', 'eco: sigo aquí']);
  });

  it('answers a malformed watermark with 400', async () => {
    const issued = await startedConversation();
    const res = await fetch(activitiesUrl(issued.conversationId, 'abc'), { headers: { Authorization: `Bearer ${issued.token}` } });
    expect(res.status).toBe(400);
  });

  it('acknowledges typing from the page without storing it or waking the bot', async () => {
    const issued = await startedConversation();
    const before = await logOf(issued);
    const received = dl.bot.received.length;
    const res = await post(issued.conversationId, issued.token, { type: 'typing', from: { id: issued.userId } });
    expect(res.status).toBe(200);
    expect(await logOf(issued)).toEqual(before);
    expect(dl.bot.received.length).toBe(received);
  });
});

describe('the WebSocket stream', () => {
  it('sends the backlog, then activities with their watermark, typing without one, and pings', async () => {
    const issued = await startedConversation();
    const socket = openSocket(issued.conversationId, issued.token);
    await until(() => socket.messages.length >= 1, 'the backlog');
    expect(socket.messages[0]).toMatchObject({ activities: [{ type: 'message', text: 'Hola, ¿en qué te ayudo?' }], watermark: '1' });

    await post(issued.conversationId, issued.token, { type: 'message', text: 'hola' });
    await until(() => socket.messages.some((m) => m.activities[0]?.text === 'eco: hola'), 'the reply');
    const kinds = socket.messages.map((m) => [m.activities[0]?.type, m.activities[0]?.text, m.watermark]);
    expect(kinds).toEqual([
      ['message', 'Hola, ¿en qué te ayudo?', '1'],
      ['message', 'hola', '2'],
      ['typing', undefined, undefined],
      ['message', 'eco: hola', '3'],
    ]);
    await until(() => socket.pings() >= 2, 'keep-alive pings');
    socket.ws.close();
  });

  it('keeps one socket per conversation: a second one closes the first and carries on', async () => {
    const issued = await startedConversation();
    const first = openSocket(issued.conversationId, issued.token);
    await until(() => first.messages.length >= 1, 'the first socket');
    const second = openSocket(issued.conversationId, issued.token, '1');
    await until(() => first.closed(), 'the first socket to close');
    expect(first.closed()?.code).toBe(4001);
    expect(second.closed()).toBeUndefined();

    await post(issued.conversationId, issued.token, { type: 'message', text: 'desde la segunda' });
    await until(() => second.messages.some((m) => m.activities[0]?.text === 'eco: desde la segunda'), 'the reply on the second');
    // It asked from watermark 1, so the greeting is not sent again.
    expect(second.messages[0]?.activities[0]?.text).toBe('desde la segunda');
    second.ws.close();
  });

  it('refuses a socket for an unknown conversation or a malformed watermark', async () => {
    const issued = await startedConversation();
    const ghost = await new TokenService(dl.config.SERVER_SECRET, 1800).issue('ghost-conversation', 'dl_ghost');
    const unknown = openSocket('ghost-conversation', ghost.token);
    await until(() => unknown.refused(), 'the refused socket');
    expect(unknown.refused()).toBe(404);
    const badWatermark = openSocket(issued.conversationId, issued.token, 'x1');
    await until(() => badWatermark.refused(), 'the refused socket');
    expect(badWatermark.refused()).toBe(400);
    const missing = openSocket(issued.conversationId, '');
    await until(() => missing.refused(), 'the refused socket');
    expect(missing.refused()).toBe(401);
  });
});

describe('when the shared store fails', () => {
  /** A store that can be switched off, as Redis is when it goes away. */
  class SwitchableStore extends MemoryKeyValueStore {
    down = false;
    override async range(key: string, from?: number) {
      if (this.down) throw new Error('store unreachable');
      return super.range(key, from);
    }
    override async append(key: string, value: string, ttlMs: number) {
      if (this.down) throw new Error('store unreachable');
      return super.append(key, value, ttlMs);
    }
  }

  it('answers 503 (try again) instead of crashing, and works again once the store is back', async () => {
    const store = new SwitchableStore();
    const flaky = await startDirectLine({}, { store });
    try {
      const issued = await requestToken(flaky.url);
      const url = `${flaky.url}/v3/directline/conversations/${issued.conversationId}/activities`;
      const headers = { Authorization: `Bearer ${issued.token}`, 'Content-Type': 'application/json' };
      store.down = true;
      expect((await fetch(url, { headers })).status).toBe(503);
      expect((await fetch(url, { method: 'POST', headers, body: '{"type":"message","text":"hola"}' })).status).toBe(503);
      store.down = false;
      expect((await fetch(url, { method: 'POST', headers, body: '{"type":"message","text":"hola"}' })).status).toBe(200);
      const page = (await (await fetch(url, { headers })).json()) as { activities: { text?: string }[] };
      expect(page.activities.map((a) => a.text)).toEqual(['hola', 'eco: hola']);
    } finally {
      await flaky.close();
      await store.close();
    }
  });
});
