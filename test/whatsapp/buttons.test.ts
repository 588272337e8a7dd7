import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app';
import { MARIA, linkIn } from '../helpers/demo';
import type { FakeTwilio, RenderedContent } from '../helpers/fakeTwilio';
import { chatOn } from '../helpers/person';
import { problemLog } from '../redis/harness';

/**
 * Options as WhatsApp buttons and lists (Content API) through the real app: a whole recovery
 * tapping them, and the numbered text when the Content API fails.
 */
let twilio: FakeTwilio;
let app: TestApp;
const { log, problems } = problemLog();

beforeAll(async () => {
  app = await startTestApp({ TWILIO_CONTENT_API: 'true' }, { log }, { twilio: true });
  twilio = app.twilio!;
});
afterAll(async () => {
  await app?.close();
});

/** A person on WhatsApp: `say` sends what they type, or the fields of a tap, and resolves to what they read back. */
async function personAt(phone: string) {
  const chat = await chatOn('whatsapp', app, { phone });
  return async (message: string | Record<string, string>): Promise<string> =>
    (await (typeof message === 'string' ? chat.say(message) : chat.say(message.Body, { fields: message }))).join('\n');
}

/** The option of the last buttons or list whose title or description is one of `wanted`. */
function optionIn(content: RenderedContent | undefined, wanted: (text: string) => boolean) {
  const option = content?.options.find((o) => wanted(o.title) || (o.description !== undefined && wanted(o.description)));
  if (!content || !option) throw new Error(`no such option in ${JSON.stringify(content)}`);
  return twilio.tap(content, option);
}

describe('options as WhatsApp buttons and lists', () => {
  it('recovers a key tapping list items and buttons, typed answers still understood', { timeout: 120_000 }, async () => {
    const user = 'whatsapp:+593987650101';
    const say = await personAt('+593987650101');
    expect(await say('hola')).toMatch(/Soy un asistente virtual[\s\S]*\[list-picker\]/);
    const menu = twilio.lastContentTo(user)!;
    expect(menu.button).toBe('Ver opciones');
    expect(menu.options.length).toBeGreaterThan(3);
    expect(await say(optionIn(menu, (t) => t === 'Recuperar mi clave'))).toMatch(/cédula/);
    expect(await say(MARIA.cedula)).toMatch(/día y mes de nacimiento/);

    // Security questions: the employer tapped in the list (its whole name is the item's description).
    let reply = await say(MARIA.birth);
    expect(reply).toMatch(/\[(list-picker|quick-reply)\]/);
    for (let asked = 0; asked < 6 && !/¿Tienes acceso a este correo\?/.test(reply); asked += 1) {
      const question = twilio.lastContentTo(user)!;
      const answer = optionIn(question, (t) => MARIA.answers.includes(t));
      // One answer typed instead of tapped: the year, by its own words.
      const typed = question.options.some((o) => o.title === '2010');
      reply = await say(typed ? '2010' : answer);
      expect(reply).toMatch(/\[(list-picker|quick-reply)\]/);
    }
    expect(reply).toMatch(/ma•+@e•+\.com/);
    const yesNo = twilio.lastContentTo(user)!;
    expect(yesNo.kind).toBe('quick-reply');
    expect(yesNo.options.map((o) => o.title)).toEqual(['Sí', 'No']);
    expect(await say(optionIn(yesNo, (t) => t === 'Sí'))).toMatch(/Te envié un código[\s\S]*Escribe aquí el código/);
    const verified = await say(await app.code(MARIA.email));
    expect(linkIn(verified).url).toMatch(/^https:\/\/asistente\.example\.org\/clave\/nueva/);

    // Every question went as a list or buttons, each content created once and used again.
    const metrics = await app.app.services.metrics.registry.getSingleMetricAsString('iess_whatsapp_choices_total');
    expect(metrics).toMatch(/as="list_picker",why="none"} [3-9]/);
    expect(metrics).toMatch(/as="quick_reply",why="none"} [1-9]/);
    expect(metrics).not.toMatch(/as="text"/);
    const names = twilio.contents.map((c) => c.friendly_name);
    expect(new Set(names).size).toBe(names.length);
    expect(twilio.messages.filter((m) => m.to === user && m.contentSid).length).toBeGreaterThan(names.length);
    expect(twilio.rejected).toEqual([]);
    expect(problems).toEqual([]);
  });

  it('sends the numbered text when a send with the Content API fails, and counts it', async () => {
    const user = 'whatsapp:+593987650102';
    const say = await personAt('+593987650102');
    twilio.contentDown = true;
    try {
      const menu = await say('hola');
      expect(menu).toMatch(/1\. Recuperar mi clave/);
      expect(menu).not.toMatch(/\[list-picker\]/);
      expect(twilio.messages.filter((m) => m.to === user).every((m) => m.body && !m.contentSid)).toBe(true);
      // Answered by its number, as on a phone without buttons.
      const next = await say('1');
      expect(next).toMatch(/cédula/);
      expect(next).not.toMatch(/\[/);
    } finally {
      twilio.contentDown = false;
    }
    const metrics = await app.app.services.metrics.registry.getSingleMetricAsString('iess_whatsapp_choices_total');
    expect(metrics).toMatch(/as="text",why="failed"} [1-9]/);
  });
});
