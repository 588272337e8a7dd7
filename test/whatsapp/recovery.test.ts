import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app';
import { MARIA, linkIn } from '../helpers/demo';
import type { FakeTwilio } from '../helpers/fakeTwilio';
import { chatOn, says } from '../helpers/person';
import { playScenario, scenario } from '../helpers/scenario';
import { problemLog } from '../redis/harness';
import { PUBLIC_BASE_URL, SENDER } from './webhooks';

/**
 * A whole recovery on WhatsApp through the real app: signed webhooks in, the twilio client's
 * requests recorded by a local stand-in for Twilio's REST API, the code read from the outbox.
 */
let harness: TestApp;
let twilio: FakeTwilio;
/** Warnings and errors the app logged, shown when a reply does not come. */
const { log, problems } = problemLog();

beforeAll(async () => {
  harness = await startTestApp(
    // Deleted at Twilio a moment after handling (or delivery), so the test sees it happen.
    { TWILIO_DELETE_AFTER_SECONDS: '0.2' },
    { log },
    { twilio: true },
  );
  twilio = harness.twilio!;
});

afterAll(async () => {
  await harness?.close();
});

it('recovers a key on WhatsApp from "hola" to the new key, every message as WhatsApp shows it', { timeout: 120_000 }, async () => {
  const chat = await chatOn('whatsapp', harness, { phone: '+593987654321' });
  const user = 'whatsapp:+593987654321';
  const person = scenario('maria-whatsapp-contesta-con-palabras');
  await playScenario(person.name, chat, problems);
  const said = chat.read();
  // Options as a numbered list, and who is talking.
  expect(said[0]).toMatch(/^1\. /m);
  expect(said[0]).toMatch(/asistente virtual/);
  // The address shown masked.
  expect(said.join('\n')).toMatch(/ma•+@e•+\.com/);
  expect(said.join('\n')).not.toContain(MARIA.email);
  expect(says(said, 'code:sent')).toBe(true);
  const verified = said.find((m) => m.includes('/clave/nueva')) ?? '';
  expect(says([verified], 'code:verified')).toBe(true);
  // The link on a line of its own, which WhatsApp shows as one tappable address.
  expect(verified).toMatch(/^https:\/\/\S+\/clave\/nueva\S*$/m);
  expect(linkIn(verified).url.startsWith(PUBLIC_BASE_URL)).toBe(true);

  const everything = twilio.messages.filter((m) => m.to === user);
  // After the key changed, one message: what to do next, the official site's address alone on
  // its line (tappable), and «¿Te sirvió?» as a numbered list.
  const changed = everything.map((m) => m.body ?? '').find((body) => /clave del IESS fue cambiada/.test(body)) ?? '';
  expect(changed).toMatch(/^Probar mi clave ahora:\nhttps:\/\/www\.iess\.gob\.ec$/m);
  expect(changed).toMatch(/¿Te sirvió esta ayuda\?[^\n]*\n\n1\. Nada\n[\s\S]*\n5\. Mucho$/);
  for (const message of everything) {
    expect(message.from).toBe(SENDER);
    expect(message.body!.length).toBeLessThanOrEqual(1600);
    // WhatsApp shows "**" literally: only WhatsApp's own *bold* may reach the person.
    expect(message.body).not.toContain('**');
    expect(message.statusCallback).toBe(`${PUBLIC_BASE_URL}/api/whatsapp/status`);
  }
  expect(twilio.rejected).toEqual([]);

  // Nothing left behind at Twilio: every message the person sent and, once Twilio reports
  // them delivered, the messages the assistant sent.
  await expect.poll(() => twilio.kept(), { timeout: 10_000 }).toEqual([]);
  expect(twilio.inbound.filter((m) => m.from === user).length).toBeGreaterThanOrEqual(8);
  expect(await twilio.deliver(harness.url, PUBLIC_BASE_URL)).toBe(everything.length);
  await expect.poll(() => twilio.keptSent(), { timeout: 10_000 }).toEqual([]);
  // The new key is typed on the page, never in the chat.
  expect(everything.map((m) => m.body).join('\n')).not.toContain(person.newKey);
});

it(
  'answers a photo or a voice note at a question kindly, deletes the photo unseen, and the question still waits',
  { timeout: 60_000 },
  async () => {
    const chat = await chatOn('whatsapp', harness, { phone: '+593987654322' });
    await chat.say('hola');
    const cedula = await chat.say('1');
    expect(says(cedula, 'recovery:askCedula')).toBe(true);
    expect(cedula.join('\n')).not.toMatch(/\d\. /);
    // A photo of a cédula despite the warning: a kind answer, and the photo is deleted at Twilio.
    const photo = await chat.say('', {
      fields: { MessageType: 'image' },
      media: [{ contentType: 'image/jpeg', bytes: Buffer.from('a photo') }],
    });
    expect(says(photo, 'whatsapp:media.image')).toBe(true);
    expect(says(photo, 'recovery:askBirth')).toBe(false);
    // A voice note in the middle: a kind answer, and the question still waits.
    const voice = await chat.say('', { fields: { NumMedia: '1', MediaContentType0: 'audio/ogg', MessageType: 'audio' } });
    expect(says(voice, 'whatsapp:media.audio')).toBe(true);
    expect(says(voice, 'recovery:askCedula')).toBe(false);
    expect(says(await chat.say(MARIA.cedula), 'recovery:askBirth')).toBe(true);

    expect(twilio.downloads, 'a photo is never downloaded').toEqual([]);
    await expect.poll(() => twilio.kept(), { timeout: 10_000 }).toEqual([]);
  },
);
