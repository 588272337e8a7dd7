import { ConfigurationBotFrameworkAuthentication } from 'botbuilder';
import { AuthenticationConstants } from 'botframework-connector';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureConsole, createLogger } from '../../src/log';
import { botFrameworkMessage } from '../helpers/activity';
import { startTestApp, type TestApp } from '../helpers/app';

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${url}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

/** A Bot Framework connector on this machine: records every activity POSTed to it. */
async function startConnector() {
  const received: Array<{ url: string; text?: string }> = [];
  const record = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { text?: string };
    received.push({ url: req.url ?? '', text: body.text });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ id: 'sent' }));
  };
  // A body that cannot be read fails the test that waited for it, not the process.
  const server = createServer((req, res) => void record(req, res).catch(() => res.destroy()));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received, close: () => close(server) };
}

const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

describe('/api/messages without MicrosoftAppId (development)', () => {
  let harness: TestApp;
  beforeAll(async () => {
    harness = await startTestApp();
  });
  afterAll(async () => {
    await harness.close();
  });

  it('never enters a conversation of one of our own channels', async () => {
    // A person on the terminal channel is at the cédula step.
    const person = harness.chat('console');
    await person.say('hola');
    expect((await person.say('1')).join('\n')).toMatch(/cédula/);

    for (const channelId of ['console', 'CONSOLE', 'whatsapp', 'WhatsApp', 'directline']) {
      const response = await post(harness.url, botFrameworkMessage({ channelId, conversation: { id: person.id }, text: 'sigo' }));
      expect(response.status, channelId).toBe(403);
      expect(((await response.json()) as { error: string }).error).toMatch(/not served on \/api\/messages/);
    }
    // The same conversation id on another channel is another conversation: it starts at the menu.
    const other = (await (await post(harness.url, botFrameworkMessage({ conversation: { id: person.id }, text: 'sigo' }))).json()) as {
      activities: Array<{ text?: string }>;
    };
    expect(other.activities.map((a) => a.text).join('\n')).not.toMatch(/cédula/);
    expect(other.activities.map((a) => a.text).join('\n')).toMatch(/Soy un asistente virtual/);
    // And the person's conversation is where it was.
    expect((await person.say('1714307103')).join('\n')).toMatch(/día y mes de nacimiento/);
  });

  it('sends replies only to a loopback serviceUrl, or in the response', async () => {
    const connector = await startConnector();
    try {
      for (const serviceUrl of ['http://169.254.169.254/latest', 'https://example.org/', 'http://10.0.0.1:8080/']) {
        const response = await post(harness.url, botFrameworkMessage({ serviceUrl, deliveryMode: undefined }));
        expect(response.status, serviceUrl).toBe(403);
        expect(((await response.json()) as { error: string }).error).toMatch(/loopback/);
      }
      // With expectReplies any serviceUrl is fine: nothing is sent there.
      const inBody = await post(harness.url, botFrameworkMessage({ serviceUrl: 'https://example.org/' }));
      expect(inBody.status).toBe(200);
      // ...and nothing is sent there later either.
      await expect(
        harness.app.gateways.continueConversation(
          {
            channelId: 'emulator',
            serviceUrl: 'https://example.org/',
            conversation: { id: 'x', isGroup: false, conversationType: '', name: '' },
          },
          async () => undefined,
        ),
      ).rejects.toThrow(/loopback/);

      const conversation = { id: `c-loop-${Date.now()}` };
      const normal = await post(harness.url, botFrameworkMessage({ serviceUrl: connector.url, deliveryMode: undefined, conversation }));
      expect(normal.status).toBe(200);
      await expect.poll(() => connector.received.length).toBeGreaterThan(0);
      expect(connector.received[0].url).toContain(`/v3/conversations/${conversation.id}/activities`);
      expect(connector.received.map((r) => r.text).join('\n')).toMatch(/Soy un asistente virtual/);
    } finally {
      await connector.close();
    }
  });

  it('answers invalid activities with 400 and a short reason', async () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ serviceUrl: undefined }, /serviceUrl/],
      [{ serviceUrl: 'file:///etc/passwd' }, /serviceUrl/],
      [{ channelId: '../../x' }, /channelId/],
      [{ channelId: 'x'.repeat(65) }, /channelId/],
      [{ conversation: { id: 'c'.repeat(600) } }, /conversation\.id/],
      [{ conversation: 'c1' }, /conversation/],
      [{ from: undefined }, /from/],
      [{ type: 42 }, /type/],
      [{ timestamp: 'yesterday' }, /timestamp/],
      [{ text: 'a'.repeat(6_000) }, /text/],
    ];
    for (const [extra, reason] of cases) {
      const response = await post(harness.url, botFrameworkMessage(extra));
      expect(response.status, JSON.stringify(extra).slice(0, 60)).toBe(400);
      const { error } = (await response.json()) as { error: string };
      expect(error).toMatch(reason);
      expect(error.length).toBeLessThan(200);
    }
    expect((await post(harness.url, botFrameworkMessage())).status).toBe(200);
  });
});

describe('/api/messages in production without MicrosoftAppId', () => {
  it('is not served', async () => {
    const harness = await startTestApp({
      NODE_ENV: 'production',
      SERVER_SECRET: 'Zr4x9_Qm1k-7TtYbW3u0pLsN2vC8hJdE5fGaRiOyXq0',
      PUBLIC_BASE_URL: 'https://asistente.example.org',
      SMTP_URL: 'smtps://user:pass@127.0.0.1:1',
      DIRECTORY: 'http',
      DIRECTORY_URL: 'https://identidad.example.org',
    });
    try {
      const response = await post(
        harness.url,
        botFrameworkMessage({ channelId: 'whatsapp', conversation: { id: 'whatsapp:+593991234567' } }),
      );
      expect(response.status).toBe(404);
      const emulator = await post(harness.url, botFrameworkMessage());
      expect(emulator.status).toBe(404);
    } finally {
      await harness.close();
    }
  });
});

describe('/api/messages with MicrosoftAppId', () => {
  const APP_ID = '00000000-0000-0000-0000-0000000000b0';
  const ISSUER = AuthenticationConstants.ToBotFromChannelTokenIssuer;
  let harness: TestApp;
  let metadata: Server;
  let sign: (claims: Record<string, unknown>, key?: CryptoKey) => Promise<string>;
  let otherKey: CryptoKey;
  const lines: string[] = [];
  let restoreConsole: () => void;

  beforeAll(async () => {
    // The channel's signing keys, published as Bot Framework publishes them (OpenID metadata + JWKS).
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    otherKey = (await generateKeyPair('RS256')).privateKey;
    const jwk = { ...(await exportJWK(publicKey)), kid: 'channel-key', use: 'sig' };
    metadata = createServer((req, res) => {
      const base = `http://127.0.0.1:${(metadata.address() as AddressInfo).port}`;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(req.url === '/keys' ? { keys: [jwk] } : { issuer: ISSUER, jwks_uri: `${base}/keys` }));
    });
    await new Promise<void>((resolve) => metadata.listen(0, '127.0.0.1', resolve));
    const metadataUrl = `http://127.0.0.1:${(metadata.address() as AddressInfo).port}/openid`;
    sign = (claims, key = privateKey) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: 'channel-key' })
        .setIssuer(ISSUER)
        .setAudience(APP_ID)
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(key);

    const env = { MicrosoftAppId: APP_ID, MicrosoftAppPassword: 'x', REQUESTS_PER_MINUTE_PER_ADDRESS: '3' };
    const auth = new ConfigurationBotFrameworkAuthentication({
      ...env,
      ToBotFromChannelOpenIdMetadataUrl: metadataUrl,
      ToBotFromEmulatorOpenIdMetadataUrl: metadataUrl,
      ToBotFromChannelTokenIssuer: ISSUER,
      ToChannelFromBotLoginUrl: AuthenticationConstants.ToChannelFromBotLoginUrl,
      ToChannelFromBotOAuthScope: AuthenticationConstants.ToChannelFromBotOAuthScope,
      ValidateAuthority: true,
    });
    const log = createLogger('info', new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) }));
    restoreConsole = captureConsole(log);
    harness = await startTestApp(env, { botFrameworkAuthentication: auth, log });
  });

  afterAll(async () => {
    restoreConsole?.();
    await harness?.close();
    await close(metadata);
  });

  it('runs an activity whose token was issued for its serviceUrl', async () => {
    const serviceUrl = 'https://smba.trafficmanager.net/amer/';
    const token = await sign({ serviceurl: serviceUrl });
    const response = await post(harness.url, botFrameworkMessage({ serviceUrl, channelId: 'msteams' }), {
      authorization: `Bearer ${token}`,
    });
    expect(response.status).toBe(200);
    const { activities } = (await response.json()) as { activities: Array<{ text?: string }> };
    expect(activities.map((a) => a.text).join('\n')).toMatch(/Soy un asistente virtual/);
  });

  it('refuses a serviceUrl the token was not issued for, a foreign signature and a missing token with a bare 401', async () => {
    const token = await sign({ serviceurl: 'https://smba.trafficmanager.net/amer/' });
    const attempts = [
      post(harness.url, botFrameworkMessage({ serviceUrl: 'http://169.254.169.254/', deliveryMode: undefined }), {
        authorization: `Bearer ${token}`,
      }),
      post(harness.url, botFrameworkMessage({ serviceUrl: 'https://smba.trafficmanager.net/amer/' }), {
        authorization: `Bearer ${await sign({ serviceurl: 'https://smba.trafficmanager.net/amer/' }, otherKey)}`,
      }),
      post(harness.url, botFrameworkMessage()),
    ];
    for (const response of await Promise.all(attempts)) {
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({ error: 'unauthorized' });
    }
    // botbuilder's own complaint about the foreign signature went through the logger, one short line.
    expect(lines.join('')).toMatch(/Error finding key for token/);
    expect(lines.join('')).not.toMatch(/\n\s+at /);
  });

  it('still refuses our own channels with a valid token', async () => {
    const serviceUrl = 'https://smba.trafficmanager.net/amer/';
    const token = await sign({ serviceurl: serviceUrl });
    const response = await post(
      harness.url,
      botFrameworkMessage({ serviceUrl, channelId: 'whatsapp', conversation: { id: 'whatsapp:+593991234567' } }),
      {
        authorization: `Bearer ${token}`,
      },
    );
    expect(response.status).toBe(403);
  });

  it('does not count signed Bot Framework requests against the address limit', async () => {
    for (let i = 0; i < 3; i += 1) expect((await fetch(`${harness.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${harness.url}/healthz`)).status).toBe(429);
    const serviceUrl = 'https://smba.trafficmanager.net/amer/';
    const response = await post(harness.url, botFrameworkMessage({ serviceUrl, channelId: 'msteams' }), {
      authorization: `Bearer ${await sign({ serviceurl: serviceUrl })}`,
    });
    expect(response.status).toBe(200);
  });
});
