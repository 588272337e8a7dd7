import { afterAll, beforeAll, expect, it } from 'vitest';
import { ServiceWindow } from '../../src/channels/whatsapp/window';
import { agentNamed, hashPassword } from '../../src/handoff/agents';
import { startTestApp, type TestApp } from '../helpers/app';
import type { FakeTwilio } from '../helpers/fakeTwilio';
import { type Chat, chatOn } from '../helpers/person';
import { playScenario } from '../helpers/scenario';
import { ACCOUNT_SID, SENDER, newMessageSid, postSigned } from '../whatsapp/webhooks';

/** What an agent may send a WhatsApp person: notes on undelivered messages, and the 24-hour window. */
let twilio: FakeTwilio;
let harness: TestApp;
const PERSON = 'whatsapp:+593987650001';
const STRANGER = 'whatsapp:+593987650002';

beforeAll(async () => {
  harness = await startTestApp(
    { AGENTS: `ana:${await hashPassword('clave-ana-larga', { N: 1024, r: 8, p: 1 })}`, SERVICE_HOURS: '' },
    {},
    { twilio: true },
  );
  twilio = harness.twilio!;
});

afterAll(async () => {
  await harness?.close();
});

/** The person (`whatsapp:+…`) asks for an agent at once; resolves to their chat, a ticket open. */
async function asksForAgent(person: string): Promise<Chat> {
  const chat = await chatOn('whatsapp', harness, { phone: person.replace(/^whatsapp:/, '') });
  await playScenario('alexandra-asesor-en-whatsapp', chat);
  return chat;
}

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
  await asksForAgent(PERSON);
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

it(
  'past the 24-hour window the agent is told before writing and nothing is sent, until the person writes again',
  { timeout: 30_000 },
  async () => {
    const person = 'whatsapp:+593987650003';
    const ana = agentNamed('ana');
    const { handoff, stores, config } = harness.app;
    const writtenAt = Date.now();
    const chat = await asksForAgent(person);
    const ticket = (await handoff.tickets.listOpen()).find(
      (t) => (t.reference as { conversation?: { id?: string } }).conversation?.id === person,
    )!;
    const open = await handoff.detail(ticket.id);
    expect(open?.windowClosed).toBe(false);
    expect(open?.windowClosesAt).toBeGreaterThanOrEqual(writtenAt + 24 * 3_600_000);

    // Seen from another instance on the same store: the person last wrote 25 hours ago.
    await new ServiceWindow(stores.kv, 24 * 3_600_000, config.SERVER_SECRET).touch(person, Date.now() - 25 * 3_600_000);
    expect((await handoff.detail(ticket.id))?.windowClosed).toBe(true);
    const sentBefore = twilio.bodiesTo(person).length;
    expect(await handoff.claim(ticket.id, ana)).toMatchObject({ result: 'claimed', notified: false, notDelivered: 'window_closed' });
    expect(await handoff.send(ticket.id, ana, 'hola, soy ana')).toBe('window_closed');
    expect(twilio.bodiesTo(person)).toHaveLength(sentBefore);

    await chat.say('ya volvi');
    await expect.poll(async () => (await handoff.detail(ticket.id))?.windowClosed, { timeout: 10_000 }).toBe(false);
    expect(await handoff.send(ticket.id, ana, 'hola, soy ana')).toBe('sent');
  },
);
