import { afterAll, beforeAll, expect, it } from 'vitest';
import { type WhatsAppChannel, startWhatsAppChannel } from '../helpers/channel';
import { inbound, postSigned } from './webhooks';

let h: WhatsAppChannel;
beforeAll(async () => {
  h = await startWhatsAppChannel({ env: { WHATSAPP_TYPING_AFTER_MS: '100' } });
});
afterAll(async () => {
  await h?.close();
});

const send = (user: string, body: string) => postSigned(h.url, '/api/whatsapp', h.twilio.receive(inbound(user, body)));

it('shows "escribiendo…" on the message of a slow turn, before the reply and never after it', async () => {
  const user = 'whatsapp:+593990002001';
  const release = h.bot.hold();
  await send(user, 'espera');
  const [message] = h.twilio.inbound.filter((m) => m.from === user);
  await expect.poll(() => h.twilio.events, { timeout: 10_000 }).toContain(`typing ${message.sid}`);
  expect(h.twilio.bodiesTo(user)).toEqual([]);
  release();
  await expect.poll(() => h.twilio.bodiesTo(user), { timeout: 10_000 }).toEqual(['1: espera']);
  const mine = h.twilio.events.filter((e) => e === `typing ${message.sid}` || e === `send ${user}`);
  expect(mine).toEqual([`typing ${message.sid}`, `send ${user}`]);
  expect(await h.metric('iess_whatsapp_typing_indicators_total')).toMatch(/result="sent"} 1/);
});

it('shows nothing for a quick turn', async () => {
  const user = 'whatsapp:+593990002002';
  await send(user, 'hola');
  await expect.poll(() => h.twilio.bodiesTo(user), { timeout: 10_000 }).toEqual(['1: hola']);
  const [message] = h.twilio.inbound.filter((m) => m.from === user);
  expect(h.twilio.events).not.toContain(`typing ${message.sid}`);
});

it('still replies when Twilio refuses the indicator', async () => {
  const user = 'whatsapp:+593990002003';
  const release = h.bot.hold();
  // Not a message Twilio knows: the indicator is refused (404).
  await postSigned(h.url, '/api/whatsapp', inbound(user, 'espera'));
  await expect.poll(() => h.twilio.rejected.some((r) => /Typing/.test(r)), { timeout: 10_000 }).toBe(true);
  release();
  await expect.poll(() => h.twilio.bodiesTo(user), { timeout: 10_000 }).toEqual(['1: espera']);
  expect(await h.metric('iess_whatsapp_typing_indicators_total')).toMatch(/result="failed"} 1/);
});
