import { type TurnContext } from 'botbuilder';
import fc from 'fast-check';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WhatsAppWindowClosedError } from '../../src/errors';
import { WHATSAPP_MAX_CHARS } from '../../src/channels/whatsapp/format';
import { Texts } from '../../src/i18n';
import { LONG_ANSWER, startWhatsAppChannel, type WhatsAppChannel } from '../helpers/channel';
import { until } from '../helpers/wait';
import { AUTH_TOKEN, PUBLIC_BASE_URL, SENDER, inbound, newMessageSid, postSigned } from './webhooks';

const texts = new Texts();
let nextUser = 0;
const newUser = () => `whatsapp:+5939${String(process.pid % 10_000).padStart(4, '0')}${String(nextUser++).padStart(4, '0')}`;

let h: WhatsAppChannel;
beforeAll(async () => {
  h = await startWhatsAppChannel();
});
afterAll(async () => {
  await h?.close();
});

const say = (from: string, body: string, extra: Record<string, string> = {}) =>
  postSigned(h.url, '/api/whatsapp', inbound(from, body, extra));
const repliesTo = (user: string, count: number) => expect.poll(() => h.twilio.bodiesTo(user), { timeout: 10_000 }).toHaveLength(count);

describe('webhook', () => {
  it('answers with empty TwiML at once and replies through the twilio client', async () => {
    const user = newUser();
    const response = await postSigned(h.url, '/api/whatsapp', inbound(user, 'hola'), {
      contentType: 'application/x-www-form-urlencoded; charset=UTF-8',
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/xml/);
    expect(await response.text()).toMatch(/<Response\/>$/);
    await repliesTo(user, 1);
    const [sent] = h.twilio.messages.filter((m) => m.to === user);
    expect(sent).toMatchObject({ from: SENDER, to: user, body: '1: hola', statusCallback: `${PUBLIC_BASE_URL}/api/whatsapp/status` });
  });

  it('refuses missing, forged and misplaced signatures with 403 and runs no turn', async () => {
    const user = newUser();
    const params = inbound(user, 'no debe llegar');
    const forged = [
      await postSigned(h.url, '/api/whatsapp', params, { signature: null }),
      await postSigned(h.url, '/api/whatsapp', params, { signature: '' }),
      await postSigned(h.url, '/api/whatsapp', params, { authToken: 'another-token-0123456789abcdef00' }),
      await postSigned(h.url, '/api/whatsapp', params, { signature: 'bm90IGEgc2lnbmF0dXJl' }),
      // Signed over the local address, not the public URL Twilio was given.
      await postSigned(h.url, '/api/whatsapp', params, {
        signature: twilio.getExpectedTwilioSignature(AUTH_TOKEN, `${h.url}/api/whatsapp`, params),
      }),
      // A valid signature for other content.
      await postSigned(h.url, '/api/whatsapp', params, {
        signature: twilio.getExpectedTwilioSignature(AUTH_TOKEN, `${PUBLIC_BASE_URL}/api/whatsapp`, { ...params, Body: 'otro' }),
      }),
    ];
    expect(forged.map((r) => r.status)).toEqual([403, 403, 403, 403, 403, 403]);
    await say(user, 'esta sí');
    await repliesTo(user, 1);
    expect(h.twilio.bodiesTo(user)).toEqual(['1: esta sí']);
    expect(await h.metric('iess_whatsapp_webhooks_total')).toMatch(/result="forbidden"} [6-9]/);
  });

  it('runs a retried MessageSid once', async () => {
    const user = newUser();
    const params = inbound(user, 'una vez');
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push((await postSigned(h.url, '/api/whatsapp', params)).status);
    expect(answers).toEqual([200, 200, 200]);
    await say(user, 'después');
    await repliesTo(user, 2);
    expect(h.twilio.bodiesTo(user)).toEqual(['1: una vez', '2: después']);
  });

  it('keeps arrival order when the first turn is still running', async () => {
    const user = newUser();
    const release = h.bot.hold();
    expect((await say(user, 'espera')).status).toBe(200);
    expect((await say(user, 'segundo')).status).toBe(200);
    expect(h.twilio.bodiesTo(user)).toEqual([]);
    release();
    await repliesTo(user, 2);
    expect(h.twilio.bodiesTo(user)).toEqual(['1: espera', '2: segundo']);
  });

  it('handles two messages that arrive together, both, in order, with no state lost', async () => {
    const user = newUser();
    // Each turn would wait between reading and writing the count: two let in together read the same one.
    const release = h.bot.hold();
    const answers = await Promise.all([say(user, 'espera uno'), say(user, 'espera dos')]);
    expect(answers.map((r) => r.status)).toEqual([200, 200]);
    await until(() => h.queued('whatsapp', user) === 2, 'both messages in the turn order');
    release();
    await repliesTo(user, 2);
    const replies = h.twilio.bodiesTo(user);
    expect(replies.map((r) => r.slice(0, 2))).toEqual(['1:', '2:']);
    expect(replies.map((r) => r.slice(3)).sort()).toEqual(['espera dos', 'espera uno']);
  });

  it('refuses a malformed body with 400 (signed) or 415 (not a form), and sends nothing', async () => {
    const user = newUser();
    const { From: _from, ...withoutFrom } = inbound(user, 'sin remitente');
    const statuses = [
      (await postSigned(h.url, '/api/whatsapp', withoutFrom)).status,
      (await postSigned(h.url, '/api/whatsapp', { ...inbound(user, 'x'), From: '+593999999999' })).status,
      (await postSigned(h.url, '/api/whatsapp', { ...inbound(user, 'x'), MessageSid: 'SM123' })).status,
      // Garbage, signed as Twilio would sign what it parses to.
      (await postSigned(h.url, '/api/whatsapp', Object.fromEntries(new URLSearchParams('%%%&&&==&Body')), { body: '%%%&&&==&Body' }))
        .status,
      (await postSigned(h.url, '/api/whatsapp', {}, { body: '{"Body":"hola"}', contentType: 'application/json' })).status,
    ];
    expect(statuses).toEqual([400, 400, 400, 400, 415]);
    const health = await fetch(`${h.url}/healthz`);
    expect(health.status).toBe(200);
    await say(user, 'sigo');
    await repliesTo(user, 1);
    expect(h.twilio.bodiesTo(user)).toEqual(['1: sigo']);
  });
});

describe('what the person reads', () => {
  it('shows choices as a numbered list and bold in WhatsApp style', async () => {
    const user = newUser();
    await say(user, 'opciones');
    await say(user, 'negrita');
    await repliesTo(user, 2);
    expect(h.twilio.bodiesTo(user)).toEqual([
      '¿Qué necesitas?\n\n1. Recuperar mi clave\n2. Clave patronal',
      'Revisa *Spam* y la pestaña *Promociones*.',
    ]);
  });

  it('splits a 5,000-character answer into messages of at most 1,600 at sentence or paragraph ends', async () => {
    expect(LONG_ANSWER.length).toBeGreaterThan(5000);
    const user = newUser();
    await say(user, 'largo');
    const squash = (s: string) => s.replace(/\s+/g, ' ');
    // Nothing lost or reordered: the pieces read as the whole answer.
    await expect.poll(() => squash(h.twilio.bodiesTo(user).join(' ')), { timeout: 10_000 }).toBe(squash(LONG_ANSWER));
    const pieces = h.twilio.bodiesTo(user);
    expect(pieces.length).toBeGreaterThanOrEqual(4);
    for (const piece of pieces) {
      expect(piece.length).toBeLessThanOrEqual(WHATSAPP_MAX_CHARS);
      expect(piece).toMatch(/^Respuesta larga, oración \d+:.*detalle\.$/s);
    }
  });

  const media: Array<[string, Record<string, string>, string]> = [
    [
      'voice note',
      { NumMedia: '1', MediaContentType0: 'audio/ogg', MediaUrl0: 'https://api.twilio.com/m/1', MessageType: 'audio' },
      'audio',
    ],
    ['image', { NumMedia: '1', MediaContentType0: 'image/jpeg', MediaUrl0: 'https://api.twilio.com/m/2', MessageType: 'image' }, 'image'],
    [
      'document',
      { NumMedia: '1', MediaContentType0: 'application/pdf', MediaUrl0: 'https://api.twilio.com/m/3', MessageType: 'document' },
      'document',
    ],
    ['sticker (content type only)', { NumMedia: '1', MediaContentType0: 'image/webp', MediaUrl0: 'https://api.twilio.com/m/4' }, 'sticker'],
    ['video', { NumMedia: '1', MediaContentType0: 'video/mp4', MediaUrl0: 'https://api.twilio.com/m/5' }, 'video'],
    ['contact card', { NumMedia: '1', MediaContentType0: 'text/vcard', MediaUrl0: 'https://api.twilio.com/m/6' }, 'contact'],
    ['location', { Latitude: '-0.1807', Longitude: '-78.4678', MessageType: 'location' }, 'location'],
  ];

  it.each(media)('answers a %s kindly and the flow goes on', async (_name, extra, kind) => {
    const user = newUser();
    await say(user, '', extra);
    await say(user, 'sigo aquí');
    await repliesTo(user, 2);
    expect(h.twilio.bodiesTo(user)).toEqual([texts.t('es-EC', `whatsapp:media.${kind}`), '1: sigo aquí']);
  });

  it('says no photos of the cédula, and still reads the caption of an image', async () => {
    const user = newUser();
    await say(user, '1714307103', { NumMedia: '1', MediaContentType0: 'image/jpeg', MessageType: 'image' });
    // The kind line and the answer to the caption go out together, as one message.
    await repliesTo(user, 1);
    const [message] = h.twilio.bodiesTo(user);
    const [warning, reply] = message.split('\n\n');
    expect(warning).toMatch(/no envíes fotos de tu cédula/);
    expect(reply).toBe('1: 1714307103');
  });
});

describe('delivery', () => {
  it('records status callbacks, and logs failures with the error code but no phone number', async () => {
    const user = newUser();
    const callback = (status: string, extra: Record<string, string> = {}) =>
      postSigned(h.url, '/api/whatsapp/status', {
        MessageSid: newMessageSid(),
        MessageStatus: status,
        AccountSid: 'AC' + '0'.repeat(32),
        From: SENDER,
        To: user,
        ApiVersion: '2010-04-01',
        ChannelPrefix: 'whatsapp',
        ...extra,
      });
    expect((await callback('delivered')).status).toBe(204);
    expect((await callback('read')).status).toBe(204);
    expect((await callback('failed', { ErrorCode: '63016' })).status).toBe(204);
    expect((await callback('undelivered', { ErrorCode: '63024' })).status).toBe(204);
    expect(
      (await postSigned(h.url, '/api/whatsapp/status', { MessageSid: newMessageSid(), MessageStatus: 'failed' }, { signature: null }))
        .status,
    ).toBe(403);
    expect((await postSigned(h.url, '/api/whatsapp/status', { MessageStatus: 'failed' })).status).toBe(400);

    const counted = await h.metric('iess_whatsapp_message_status_total');
    expect(counted).toMatch(/status="delivered",error_code="none"} 1/);
    expect(counted).toMatch(/status="failed",error_code="63016"} 1/);
    expect(counted).toMatch(/status="undelivered",error_code="63024"} 1/);
    const failures = h.logLines.filter((l) => l.includes('whatsapp delivery failed'));
    expect(failures).toHaveLength(2);
    expect(failures.join('')).toContain('"errorCode":"63016"');
    expect(h.logLines.join('')).not.toContain(user.replace('whatsapp:', ''));
  });

  it('counts and logs a message Twilio refuses, with its error code', async () => {
    const user = newUser();
    h.twilio.failNext(63016, 'Failed to send freeform message because you are outside the allowed window.');
    await say(user, 'hola');
    await expect.poll(() => h.metric('iess_whatsapp_send_failures_total'), { timeout: 10_000 }).toMatch(/error_code="63016"} 1/);
    expect(h.logLines.join('')).toContain('"errorCode":"63016"');
    expect(h.logLines.join('')).not.toContain(user.replace('whatsapp:', ''));
  });

  it('sends once more when the connection to Twilio was closed under it, and only once', async () => {
    const user = newUser();
    h.twilio.resetNext();
    await say(user, 'hola');
    await repliesTo(user, 1);
    expect(h.twilio.bodiesTo(user)).toEqual(['1: hola']);
  });

  it('tries again, with backoff, a send Twilio answered 429 (never processed), and sends it once', async () => {
    const user = newUser();
    h.twilio.failNext(20429, 'Too many requests', 429, 2);
    await say(user, 'hola');
    await repliesTo(user, 1);
    expect(h.twilio.bodiesTo(user)).toEqual(['1: hola']);
    expect(await h.metric('iess_whatsapp_send_failures_total')).not.toMatch(/error_code="20429"/);
  });

  it('does not repeat a send Twilio failed with a 5xx (it may exist): counted, told to the agent, and the person gets one short line', async () => {
    const user = newUser();
    h.twilio.failNext(20500, 'Internal server error', 500);
    await say(user, 'hola');
    await repliesTo(user, 1);
    expect(h.twilio.bodiesTo(user)).toEqual([texts.t('es-EC', 'common:error')]);
    expect(h.deliveryFailures.filter(([to]) => to === user)).toEqual([[user, '20500']]);
    expect(await h.metric('iess_whatsapp_send_failures_total')).toMatch(/error_code="20500"} 1/);
  });
});

describe('messages sent later', () => {
  const reference = (user: string) => ({
    channelId: 'whatsapp',
    conversation: { id: user, isGroup: false, conversationType: 'personal', name: '' },
    bot: { id: SENDER, name: '' },
    user: { id: user, name: '' },
  });
  const notice = (text: string) => async (context: TurnContext) => {
    await context.sendActivity(text);
  };

  it('go through the same adapter inside the 24-hour window, and are refused clearly outside it', async () => {
    const user = newUser();
    await say(user, 'hola');
    await repliesTo(user, 1);
    await h.gateway.continueConversation(reference(user), notice('Tu clave del IESS fue cambiada.'));
    expect(h.twilio.bodiesTo(user)).toEqual(['1: hola', 'Tu clave del IESS fue cambiada.']);

    h.advance(25 * 3_600_000);
    const refused = h.gateway.continueConversation(reference(user), notice('Respuesta del asesor'));
    await expect(refused).rejects.toBeInstanceOf(WhatsAppWindowClosedError);
    await expect(refused).rejects.toMatchObject({ hours: 24, localeKey: 'whatsapp:windowClosed' });
    expect(texts.t('es-EC', 'whatsapp:windowClosed', { hours: 24 })).toMatch(/24 horas/);
    expect(h.twilio.bodiesTo(user)).toHaveLength(2);

    // A new message from the person opens the window again.
    await say(user, 'volví');
    await repliesTo(user, 3);
    await h.gateway.continueConversation(reference(user), notice('Respuesta del asesor'));
    expect(h.twilio.bodiesTo(user).at(-1)).toBe('Respuesta del asesor');
  });

  it('use the approved template outside the window when one is configured', async () => {
    const templated = await startWhatsAppChannel({ env: { TWILIO_TEMPLATE_SID: 'HX' + 'a'.repeat(32) } });
    templated.twilio.addContent('HX' + 'a'.repeat(32), { 'twilio/text': { body: '{{1}}' } });
    try {
      const user = newUser();
      await postSigned(templated.url, '/api/whatsapp', inbound(user, 'hola'));
      await expect.poll(() => templated.twilio.bodiesTo(user), { timeout: 10_000 }).toHaveLength(1);
      templated.advance(25 * 3_600_000);
      await templated.gateway.continueConversation(
        reference(user),
        notice('Tu clave del IESS fue cambiada.\n\nSi no fuiste tú, llama al 140.'),
      );
      const last = templated.twilio.messages.at(-1)!;
      expect(last).toMatchObject({ to: user, contentSid: 'HX' + 'a'.repeat(32), body: undefined });
      // WhatsApp refuses line breaks inside a template variable.
      expect(JSON.parse(last.contentVariables!)).toEqual({ 1: 'Tu clave del IESS fue cambiada. · Si no fuiste tú, llama al 140.' });
    } finally {
      await templated.close();
    }
  });
});

describe('random webhook bodies', () => {
  const fieldNames = [
    'MessageSid',
    'From',
    'To',
    'Body',
    'NumMedia',
    'MediaContentType0',
    'Latitude',
    'MessageType',
    'AccountSid',
    'ButtonText',
  ];
  const params = fc.dictionary(fc.oneof(fc.constantFrom(...fieldNames), fc.string({ maxLength: 12 })), fc.string({ maxLength: 40 }), {
    maxKeys: 8,
  });

  it('never crash the server and never send anything', async () => {
    const before = h.twilio.messages.length;
    await fc.assert(
      fc.asyncProperty(params, fc.constantFrom('signed', 'unsigned', 'raw'), fc.string({ maxLength: 200 }), async (fields, mode, raw) => {
        const response =
          mode === 'signed'
            ? await postSigned(h.url, '/api/whatsapp', fields)
            : mode === 'unsigned'
              ? await postSigned(h.url, '/api/whatsapp', fields, { signature: null })
              : await postSigned(
                  h.url,
                  '/api/whatsapp',
                  {},
                  { body: raw, signature: twilio.getExpectedTwilioSignature(AUTH_TOKEN, `${PUBLIC_BASE_URL}/api/whatsapp`, {}) },
                );
        expect([400, 403]).toContain(response.status);
      }),
      { numRuns: 150 },
    );
    expect((await fetch(`${h.url}/healthz`)).status).toBe(200);
    expect(h.twilio.messages.length).toBe(before);
  });
});
