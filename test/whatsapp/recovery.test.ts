import { Writable } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Texts } from '../../src/i18n';
import { createLogger } from '../../src/log';
import { latestCodeFor } from '../../src/recovery/mail';
import { startTestApp, type TestApp } from '../helpers/app';
import { MARIA, linkIn, pickOption, setNewKey } from '../helpers/demo';
import { FakeTwilio } from '../helpers/fakeTwilio';
import { ACCOUNT_SID, AUTH_TOKEN, PUBLIC_BASE_URL, SENDER, inbound, postSigned, whatsappEnv } from './webhooks';

/**
 * A whole recovery on WhatsApp through the real app: signed webhooks in, the twilio client's
 * requests recorded by a local stand-in for Twilio's REST API, the code read from the outbox.
 */
let twilio: FakeTwilio;
let harness: TestApp;
const USER = 'whatsapp:+593987654321';
const numberWords = new Texts().list('es-EC', 'common:numberWords');
/** Warnings and errors the app logged, shown when a reply does not come. */
const problems: string[] = [];
const sink = new Writable({
  write(chunk, _encoding, done) {
    const line = chunk.toString();
    if (/"level":(40|50|60)/.test(line)) problems.push(line);
    done();
  },
});

beforeAll(async () => {
  twilio = await FakeTwilio.start(ACCOUNT_SID, AUTH_TOKEN);
  harness = await startTestApp({
    ...whatsappEnv(twilio.url),
    // Deleted at Twilio a moment after handling (or delivery), so the test sees it happen.
    TWILIO_DELETE_AFTER_SECONDS: '0.2',
  }, { log: createLogger('warn', sink) });
});

afterAll(async () => {
  await harness?.close();
  await twilio?.close();
});

/**
 * Sends one WhatsApp message and returns what the person then reads, once the bot's last
 * message of the turn (matching `until`) has arrived.
 */
async function say(text: string, until: RegExp, extra: Record<string, string> = {}, media: Array<{ contentType: string; bytes: Buffer }> = []): Promise<string> {
  const before = twilio.bodiesTo(USER).length;
  // Twilio keeps what the person sent (and its media) until the assistant deletes it.
  const response = await postSigned(harness.url, '/api/whatsapp', twilio.receive(inbound(USER, text, extra), media));
  expect(response.status).toBe(200);
  try {
    await expect.poll(() => twilio.bodiesTo(USER).slice(before).at(-1) ?? '', { timeout: 20_000 }).toMatch(until);
  } catch (error) {
    throw new Error(`reply to «${text}»: ${(error as Error).message}\nlogged:\n${problems.join('')}`);
  }
  return twilio.bodiesTo(USER).slice(before).join('\n\n');
}

it('recovers a key on WhatsApp from "hola" to the new key, reading as a person would', { timeout: 120_000 }, async () => {
  const menu = await say('hola', /1\. Recuperar mi clave/);
  expect(menu).toMatch(/Soy un asistente virtual/);

  expect(await say('1', /cédula/)).not.toMatch(/\d\. /);
  // A photo of a cédula despite the warning: a kind answer, and the photo is deleted at Twilio.
  expect(await say('', /no envíes fotos de tu cédula/, { MessageType: 'image' }, [{ contentType: 'image/jpeg', bytes: Buffer.from('a photo') }])).not.toMatch(/día y mes/);
  // A voice note in the middle: a kind answer, and the question still waits.
  expect(await say('', /no puedo escuchar audios/, { NumMedia: '1', MediaContentType0: 'audio/ogg', MessageType: 'audio' })).not.toMatch(/cédula/);
  expect(await say(MARIA.cedula, /día y mes de nacimiento/)).toBeTruthy();

  const employers = await say(MARIA.birth, /¿Para cuál de estas empresas[\s\S]*\n1\. /);
  // Answered with a number word ("dos"), as people write on WhatsApp.
  const employerWord = numberWords[Number(pickOption(employers, MARIA.answers)) - 1];
  const year = await say(employerWord, /¿En qué año[\s\S]*\n1\. /);
  // Answered with the option's own words.
  expect(pickOption(year, MARIA.answers)).toMatch(/^\d$/);
  const email = await say('2010', /¿Tienes acceso a este correo\?/);
  expect(email).toMatch(/ma•+@e•+\.com/);
  expect(email).not.toContain(MARIA.email);

  expect(await say('sí', /Escribe aquí el código/)).toMatch(/Te envié un código de 6 números/);
  await harness.mailSent();
  const code = await latestCodeFor(harness.outbox, MARIA.email);
  expect(code).toMatch(/^\d{6}$/);
  const verified = await say(code!, /clave\/nueva/);
  expect(verified).toMatch(/Código correcto/);
  const { url, token } = linkIn(verified);
  // The link on a line of its own, which WhatsApp shows as one tappable address.
  expect(verified).toMatch(/^https:\/\/\S+\/clave\/nueva\S*$/m);
  expect(url.startsWith(PUBLIC_BASE_URL)).toBe(true);

  expect(await setNewKey(harness.url, token, 'Nueva2026')).toBe(200);
  // The "key changed" notice goes out later through the same adapter.
  await expect.poll(() => twilio.bodiesTo(USER).at(-1), { timeout: 20_000 }).toMatch(/clave del IESS fue cambiada/);

  const everything = twilio.messages.filter((m) => m.to === USER);
  for (const message of everything) {
    expect(message.from).toBe(SENDER);
    expect(message.body!.length).toBeLessThanOrEqual(1600);
    // WhatsApp shows "**" literally: only WhatsApp's own *bold* may reach the person.
    expect(message.body).not.toContain('**');
    expect(message.statusCallback).toBe(`${PUBLIC_BASE_URL}/api/whatsapp/status`);
  }
  expect(twilio.rejected).toEqual([]);
  expect(twilio.downloads, 'a photo is never downloaded').toEqual([]);

  // Nothing left behind at Twilio: every message the person sent, every medium, and, once
  // Twilio reports them delivered, the messages the assistant sent.
  await expect.poll(() => twilio.kept(), { timeout: 10_000 }).toEqual([]);
  expect(twilio.inbound.length).toBeGreaterThanOrEqual(10);
  expect(await twilio.deliver(harness.url, PUBLIC_BASE_URL)).toBe(everything.length);
  await expect.poll(() => twilio.keptSent(), { timeout: 10_000 }).toEqual([]);
  // The new key is typed on the page, never in the chat.
  expect(everything.map((m) => m.body).join('\n')).not.toContain('Nueva2026');
});
