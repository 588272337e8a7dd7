import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Counter, Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log';
import { TwilioRetention } from '../../src/channels/whatsapp/retention';
import { createTwilioClient } from '../../src/channels/whatsapp/twilioClient';
import { parseForm } from '../../src/channels/whatsapp/webhook';
import { inbound } from './webhooks';

const ACCOUNT = `AC${'0'.repeat(32)}`;
const TOKEN = 'a'.repeat(32);
const DELETE_PATH = new RegExp(`^/2010-04-01/Accounts/${ACCOUNT}/Messages/(SM[0-9a-f]{32})\\.json$`);
const sid = (n: number) => `SM${n.toString(16).padStart(32, '0')}`;

/** Twilio's message DELETE, held open until released: as when Twilio answers slowly. */
async function slowTwilio() {
  const held: ServerResponse[] = [];
  const deleted: string[] = [];
  let open = 0;
  let mostOpen = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const message = DELETE_PATH.exec(req.url ?? '')?.[1];
    if (req.method !== 'DELETE' || !message) return res.writeHead(404).end();
    open += 1;
    mostOpen = Math.max(mostOpen, open);
    res.on('close', () => (open -= 1));
    held.push(res);
    deleted.push(message);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    deleted,
    get open() {
      return open;
    },
    get mostOpen() {
      return mostOpen;
    },
    // Not chained: restify, once loaded, patches writeHead to return nothing.
    release: () =>
      held.splice(0).forEach((res) => {
        if (res.destroyed) return;
        res.statusCode = 204;
        res.end();
      }),
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

function retentionOn(url: string, delayMs: number) {
  const registry = new Registry();
  const counter = new Counter({ name: 'deletions', help: 'test', labelNames: ['result'] as const, registers: [registry] });
  const client = createTwilioClient({ accountSid: ACCOUNT, authToken: TOKEN, apiBaseUrl: url } as Parameters<typeof createTwilioClient>[0]);
  const retention = new TwilioRetention(client, delayMs, createLogger('silent'), counter);
  const count = async (result: string) => (await counter.get()).values.find((v) => v.labels.result === result)?.value ?? 0;
  return { retention, count };
}

describe('deleting at Twilio, when Twilio is slow', () => {
  let twilio: Awaited<ReturnType<typeof slowTwilio>> | undefined;
  afterEach(async () => {
    twilio?.release();
    await twilio?.close();
  });

  it('keeps a bounded number of requests open', async () => {
    twilio = await slowTwilio();
    const { retention } = retentionOn(twilio.url, 60_000);
    for (let n = 0; n < 100; n++) retention.now({ messageSid: sid(n) });
    await expect.poll(() => twilio!.open, { timeout: 10_000 }).toBe(32);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(twilio.mostOpen).toBe(32);
  }, 30_000);

  it('holds a bounded number of deletions in memory; past it, a new one is dropped and counted', async () => {
    twilio = await slowTwilio();
    const { retention, count } = retentionOn(twilio.url, 3_600_000);
    for (let n = 0; n < 60_005; n++) retention.later({ messageSid: sid(n) });
    expect(await count('dropped')).toBe(5);
    // None is sent before its time.
    expect(twilio.deleted).toEqual([]);
  });

  it('on shutdown deletes at once what was waiting, each message once however often it was reported', async () => {
    twilio = await slowTwilio();
    const { retention } = retentionOn(twilio.url, 3_600_000);
    for (const n of [1, 2, 3, 2, 1]) retention.later({ messageSid: sid(n) });
    const flushed = retention.flush(10_000);
    await expect.poll(() => twilio!.open, { timeout: 10_000 }).toBe(3);
    twilio.release();
    expect(await flushed).toBe(true);
    expect(twilio.deleted.sort()).toEqual([sid(1), sid(2), sid(3)]);
  });

  it('holds each waiting deletion without the webhook it came from', async () => {
    twilio = await slowTwilio();
    const { retention } = retentionOn(twilio.url, 3_600_000);
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    // Long messages (a pasted text, 1,500 characters), each form read off the socket as one string.
    const long = 'buenas tardes, le escribo porque no puedo entrar a mi cuenta '.repeat(25);
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let n = 0; n < 8_000; n++) {
      const raw = Buffer.from(new URLSearchParams(inbound('whatsapp:+593991234567', long)).toString()).toString('utf8');
      retention.later({ messageSid: parseForm(raw).MessageSid as string });
    }
    gc();
    // Held with their forms, 8,000 deletions take about 16 MB; on their own, under 1.
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(8 * 1024 * 1024);
  });
});
