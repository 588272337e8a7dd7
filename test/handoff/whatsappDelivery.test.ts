import { afterAll, beforeAll, expect, it } from 'vitest';
import { hashPassword } from '../../src/handoff/agents';
import { startTestApp, type TestApp } from '../helpers/app';
import { FakeTwilio } from '../helpers/fakeTwilio';
import { ACCOUNT_SID, AUTH_TOKEN, SENDER, inbound, newMessageSid, postSigned, whatsappEnv } from '../whatsapp/webhooks';

/** Twilio reports a WhatsApp message as undelivered: the agent's ticket for that person gets a note. */
let twilio: FakeTwilio;
let harness: TestApp;
const PERSON = 'whatsapp:+593987650001';
const STRANGER = 'whatsapp:+593987650002';

beforeAll(async () => {
  twilio = await FakeTwilio.start(ACCOUNT_SID, AUTH_TOKEN);
  harness = await startTestApp({
    ...whatsappEnv(twilio.url),
    AGENTS: `ana:${await hashPassword('clave-ana-larga', { N: 1024, r: 8, p: 1 })}`,
    SERVICE_HOURS: '',
  });
});

afterAll(async () => {
  await harness?.close();
  await twilio?.close();
});

const status = (to: string, messageStatus: string, errorCode = '') =>
  postSigned(harness.url, '/api/whatsapp/status', {
    MessageSid: newMessageSid(),
    AccountSid: ACCOUNT_SID,
    From: SENDER,
    To: to,
    MessageStatus: messageStatus,
    ...(errorCode ? { ErrorCode: errorCode } : {}),
  });

it('notes an undelivered message in the open ticket of that person, and nowhere else', { timeout: 30_000 }, async () => {
  for (const text of ['hola', 'quiero hablar con un asesor']) {
    const before = twilio.bodiesTo(PERSON).length;
    expect((await postSigned(harness.url, '/api/whatsapp', inbound(PERSON, text))).status).toBe(200);
    await expect.poll(() => twilio.bodiesTo(PERSON).length, { timeout: 10_000 }).toBeGreaterThan(before);
  }
  const [ticket] = await harness.app.handoff.tickets.listOpen();
  expect(ticket.channelId).toBe('whatsapp');

  expect((await status(PERSON, 'delivered')).status).toBe(204);
  expect((await status(STRANGER, 'undelivered', '63016')).status).toBe(204);
  expect((await status(PERSON, 'undelivered', '63024')).status).toBe(204);

  const notes = (await harness.app.handoff.tickets.transcript(ticket)).filter((entry) => entry.from === 'system');
  expect(notes).toHaveLength(1);
  expect(notes[0].text).toBe('WhatsApp no pudo entregar un mensaje a esta persona (error 63024). Puede que no lo lea.');
  // The note is for the agent: nothing more went to the person.
  expect(twilio.bodiesTo(PERSON).join('\n')).not.toMatch(/no pudo entregar/);
});
