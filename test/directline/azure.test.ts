import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { testConfig } from '../../src/config';
import { ConfigError } from '../../src/errors';
import { type TestDirectLine, startDirectLine } from '../helpers/channel';

const SECRET = 'azure-direct-line-secret-abcdefghijklmnopqrstuvwxyz';

/** A stand-in for Azure's token endpoint on a real socket: it checks the secret and mints a token. */
let azure: Server;
let azureUrl: string;
const seenByAzure: { authorization?: string; body: string }[] = [];
let dl: TestDirectLine;

beforeAll(async () => {
  azure = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      seenByAzure.push({ authorization: req.headers.authorization, body });
      if (req.method !== 'POST' || req.url !== '/v3/directline/tokens/generate') {
        res.statusCode = 404;
        res.end();
      } else if (req.headers.authorization !== `Bearer ${SECRET}`) {
        res.statusCode = 403;
        res.end();
      } else {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ conversationId: 'AzConv123-us', token: 'azure-conversation-token', expires_in: 3600 }));
      }
    });
  });
  await new Promise<void>((resolve) => azure.listen(0, '127.0.0.1', resolve));
  azureUrl = `http://127.0.0.1:${(azure.address() as AddressInfo).port}/v3/directline`;
  dl = await startDirectLine({ WEBCHAT_DIRECTLINE: 'azure', DIRECTLINE_SECRET: SECRET, DIRECTLINE_ENDPOINT: azureUrl });
});
afterAll(async () => {
  await dl.close();
  await new Promise((resolve) => azure.close(resolve));
});

it('trades the secret for a token on the server; the browser gets the token and Azure as its domain, never the secret', async () => {
  const res = await fetch(`${dl.url}/api/webchat/token`, { method: 'POST', body: '{"locale":"es-EC"}' });
  expect(res.status).toBe(200);
  const text = await res.text();
  expect(text).not.toContain(SECRET);
  const body = JSON.parse(text) as { token: string; conversationId: string; domain: string; userId: string };
  expect(body).toMatchObject({ token: 'azure-conversation-token', conversationId: 'AzConv123-us', domain: azureUrl });
  // The user id is ours, bound into Azure's token so the page cannot pick another.
  const asked = JSON.parse(seenByAzure.at(-1)!.body) as { user: { id: string } };
  expect(asked.user.id).toBe(body.userId);
  expect(body.userId).toMatch(/^dl_/);

  const page = await fetch(`${dl.url}/chat`);
  const html = await page.text();
  expect(html).not.toContain(SECRET);
  expect(page.headers.get('content-security-policy')).toContain(`connect-src 'self' ${new URL(azureUrl).origin}`);
});

it('does not run our own Direct Line, and leaves the directline channel to /api/messages', async () => {
  const res = await fetch(`${dl.url}/v3/directline/conversations`, { method: 'POST' });
  expect([404, 405]).toContain(res.status);
  expect(dl.gateway.channelIds).toEqual([]);
});

it('answers 502 when Azure refuses, and refuses to start without a secret', async () => {
  const wrong = await startDirectLine({
    WEBCHAT_DIRECTLINE: 'azure',
    DIRECTLINE_SECRET: 'a-secret-azure-does-not-know',
    DIRECTLINE_ENDPOINT: azureUrl,
  });
  try {
    const res = await fetch(`${wrong.url}/api/webchat/token`, { method: 'POST' });
    expect(res.status).toBe(502);
    expect(await res.text()).not.toContain('a-secret-azure-does-not-know');
  } finally {
    await wrong.close();
  }
  expect(() => testConfig({ WEBCHAT_DIRECTLINE: 'azure' })).toThrow(ConfigError);
});
