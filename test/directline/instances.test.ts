import { beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { TestApp } from '../helpers/app';
import { sharedRedis } from '../helpers/redis';
import { until } from '../helpers/wait';
import { groupPerSuite } from '../redis/harness';

const redis = await sharedRedis();

interface StreamMessage {
  activities: { type: string; text?: string; from: { role?: string } }[];
  watermark?: string;
}

function openStream(baseUrl: string, conversationId: string, token: string, watermark = '') {
  const url = `${baseUrl.replace('http', 'ws')}/v3/directline/conversations/${conversationId}/stream?t=${encodeURIComponent(token)}&watermark=${watermark}`;
  const ws = new WebSocket(url);
  const messages: StreamMessage[] = [];
  let closeCode: number | undefined;
  ws.on('message', (data) => messages.push(JSON.parse((data as Buffer).toString('utf8')) as StreamMessage));
  ws.on('close', (code) => (closeCode = code));
  ws.on('error', () => undefined);
  const texts = () => messages.flatMap((m) => m.activities.filter((a) => a.type === 'message').map((a) => a.text ?? ''));
  return { ws, messages, texts, closeCode: () => closeCode };
}

describe.skipIf(!redis.ok)(`two instances sharing Redis ${redis.reason ?? ''}`, () => {
  const group = groupPerSuite('directline');
  let a: TestApp;
  let b: TestApp;

  beforeAll(() => {
    [a, b] = group().instances;
  });

  it('pushes on the socket of one instance what arrives on the other, and keeps one socket across both', async () => {
    const issued = (await (await fetch(`${a.url}/api/webchat/token`, { method: 'POST' })).json()) as {
      token: string;
      conversationId: string;
    };
    const started = await fetch(`${b.url}/v3/directline/conversations`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${issued.token}` },
    });
    expect(started.status, await started.clone().text()).toBe(201);

    const onA = openStream(a.url, issued.conversationId, issued.token);
    await until(() => onA.texts().some((t) => t.includes('¿Qué necesitas hacer?')), 'the greeting on instance A');

    // The person's message is handled by instance B; instance A's socket carries the echo and the reply.
    const posted = await fetch(`${b.url}/v3/directline/conversations/${issued.conversationId}/activities`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${issued.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ type: 'message', text: 'Preguntas frecuentes', channelData: { clientActivityID: 'c1' } }),
    });
    expect(posted.status).toBe(200);
    await until(() => onA.texts().some((t) => t.includes('¿Sobre qué tienes dudas?')), 'the reply on instance A', 15_000);
    expect(onA.texts()).toContain('Preguntas frecuentes');
    const marks = onA.messages.filter((m) => m.watermark).map((m) => Number(m.watermark));
    expect(marks).toEqual([...marks].sort((x, y) => x - y));
    expect(new Set(marks).size).toBe(marks.length);

    // A second socket, on the other instance, closes the first.
    const lastMark = String(marks.at(-1));
    const onB = openStream(b.url, issued.conversationId, issued.token, lastMark);
    await until(() => onA.closeCode(), 'the first socket to close');
    expect(onA.closeCode()).toBe(4001);
    expect(onB.closeCode()).toBeUndefined();

    const again = await fetch(`${a.url}/v3/directline/conversations/${issued.conversationId}/activities`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${issued.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ type: 'message', text: 'menú' }),
    });
    expect(again.status).toBe(200);
    await until(() => onB.texts().includes('menú'), 'the next message on instance B');
    // B resumed at the watermark: nothing from before it came again.
    expect(onB.texts()).not.toContain('Preguntas frecuentes');
    onB.ws.close();
  });
});
