import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app';
import { requestToken } from '../helpers/channel';

/** The web chat counts identity checks per client address, across the conversations it opens. */
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ TRUSTED_PROXY_HOPS: '1', LOOKUPS_PER_ADDRESS_PER_HOUR: '2' });
});
afterAll(() => t.close());

/** A web chat conversation from one client address, over Direct Line's REST API. */
async function webChat(address: string) {
  const headers = { 'X-Forwarded-For': address };
  const { token, conversationId } = await requestToken(t.url, headers);
  const auth = { ...headers, Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' };
  const base = `${t.url}/v3/directline/conversations`;
  expect((await fetch(base, { method: 'POST', headers: auth, body: '{}' })).status).toBe(201);
  let watermark = 0;
  const botSays = async () => {
    const page = (await (await fetch(`${base}/${conversationId}/activities?watermark=${watermark}`, { headers: auth })).json()) as {
      activities: { type: string; text?: string; from: { role?: string } }[];
      watermark: string;
    };
    watermark = Number(page.watermark);
    return page.activities
      .filter((a) => a.type === 'message' && a.from.role === 'bot')
      .map((a) => a.text ?? '')
      .join('\n');
  };
  await botSays();
  return {
    async say(text: string) {
      const res = await fetch(`${base}/${conversationId}/activities`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ type: 'message', from: { id: 'page' }, text }),
      });
      expect(res.status).toBe(200);
      return botSays();
    },
  };
}

/** One identity check with an unregistered cédula and wrong answers; the bot's answer to it. */
async function oneCheck(address: string, cedula: string): Promise<string> {
  const chat = await webChat(address);
  for (const text of ['1', cedula, '16 de marzo', '1']) await chat.say(text);
  return chat.say('1');
}

describe('identity checks per client address on the web chat', () => {
  it('holds one address to LOOKUPS_PER_ADDRESS_PER_HOUR across new conversations, and no other address', async () => {
    expect(await oneCheck('203.0.113.20', '0602910945')).toContain('no coinciden');
    expect(await oneCheck('203.0.113.20', '0926687856')).toContain('no coinciden');
    expect(await oneCheck('203.0.113.20', '0910005917')).toContain('ya hubo muchos intentos seguidos desde aquí');
    expect(await oneCheck('198.51.100.30', '0910005917')).toContain('no coinciden');
  });
});
