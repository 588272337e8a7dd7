import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app';
import { MARIA } from '../helpers/demo';
import { FakeSpeech } from '../helpers/fakeSpeech';
import type { FakeTwilio } from '../helpers/fakeTwilio';
import { chatOn } from '../helpers/person';
import { voiceNote, voiceTools } from '../helpers/voice';
import { problemLog } from '../redis/harness';

const tools = voiceTools();
const TOKEN = 'speech-token-0123456789';

/**
 * Voice notes answered through the real app: a real Ogg Opus voice note made here (espeak-ng
 * and opusenc), fetched from the Twilio stand-in with the account's credentials, sent to a
 * stand-in of an OpenAI-compatible speech server, echoed, and used; numbers confirmed first.
 */
describe.skipIf(!tools.ok)(`voice notes on WhatsApp${tools.reason ? ` (skipped: no ${tools.reason})` : ''}`, () => {
  let twilio: FakeTwilio;
  let speech: FakeSpeech;
  let app: TestApp;
  const { log } = problemLog();

  beforeAll(async () => {
    speech = await FakeSpeech.start(TOKEN);
    app = await startTestApp(
      { SPEECH_TO_TEXT_URL: speech.endpoint, SPEECH_TO_TEXT_TOKEN: TOKEN, TWILIO_DELETE_AFTER_SECONDS: '0.1' },
      { log },
      { twilio: true },
    );
    twilio = app.twilio!;
  });
  afterAll(async () => {
    await app?.close();
    await speech?.close();
  });

  /** A person on WhatsApp: `say` sends a text or a voice note and resolves to what they read back. */
  async function personAt(phone: string) {
    const chat = await chatOn('whatsapp', app, { phone });
    return async (message: string | Buffer): Promise<string> =>
      (
        await (typeof message === 'string'
          ? chat.say(message)
          : chat.say('', { fields: { MessageType: 'audio' }, media: [{ contentType: 'audio/ogg', bytes: message }] }))
      ).join('\n');
  }

  it('answers by voice: echoed, numbers confirmed before use, then handled as typed', { timeout: 60_000 }, async () => {
    const say = await personAt('+593987650201');
    expect(await say('hola')).toMatch(/1\. Recuperar mi clave/);
    expect(await say('1')).toMatch(/cédula/);

    const cedula = voiceNote(`mi cédula es ${MARIA.cedula}`);
    speech.says(cedula, `Mi cédula es ${MARIA.cedula}.`);
    const confirm = await say(cedula);
    expect(confirm).toMatch(/¿Es correcto\?/);
    expect(confirm).toContain(`Entendí: "Mi cédula es ${MARIA.cedula}."`);
    expect(confirm).toMatch(/1\. Sí\n2\. No/);
    expect(confirm).not.toMatch(/día y mes/);
    const birthAsked = await say('sí');
    expect(birthAsked).toMatch(/día y mes de nacimiento/);
    expect(birthAsked).not.toMatch(/Entendí/);

    const birth = voiceNote('quince de marzo');
    speech.says(birth, 'Quince de marzo.');
    const next = await say(birth);
    expect(next).toMatch(/preguntas de seguridad/);
    expect(next).toMatch(/^Entendí: "Quince de marzo\."/);

    // The request the speech server got, as OpenAI documents it; the audio came from Twilio with credentials.
    expect(speech.rejected).toEqual([]);
    expect(speech.requests).toHaveLength(2);
    for (const request of speech.requests) {
      expect(request).toMatchObject({
        fileName: 'voice.ogg',
        fileType: 'audio/ogg',
        model: 'whisper-1',
        responseFormat: 'json',
        authorization: `Bearer ${TOKEN}`,
      });
    }
    expect(speech.requests[0].bytes).toBe(cedula.length);
    expect(twilio.downloads).toHaveLength(2);
    expect(twilio.rejected).toEqual([]);
    // The voice notes are deleted at Twilio once handled.
    await expect.poll(() => twilio.kept(), { timeout: 10_000 }).toEqual([]);
  });

  it('asks to type a number it heard wrong, and says so when it could not hear', { timeout: 60_000 }, async () => {
    const say = await personAt('+593987650202');
    expect(await say('hola')).toMatch(/1\. Recuperar mi clave/);
    expect(await say('1')).toMatch(/cédula/);
    const wrong = voiceNote('mi cédula es uno siete uno cuatro');
    speech.says(wrong, 'Mi cédula es 1714.');
    expect(await say(wrong)).toMatch(/¿Es correcto\?/);
    const typeIt = await say('no');
    expect(typeIt).toMatch(/Escríbemelo/);
    expect(typeIt).not.toMatch(/cédula no es válida|día y mes/);
    // The question still waits: the typed cédula is taken.
    expect(await say(MARIA.cedula)).toMatch(/día y mes de nacimiento/);

    speech.failures = 1;
    const lost = voiceNote('quince de marzo');
    const unheard = await say(lost);
    expect(unheard).toMatch(/No logré entender el audio/);
    expect(unheard).not.toMatch(/preguntas de seguridad/);
    expect(await app.app.services.metrics.registry.getSingleMetricAsString('iess_whatsapp_voice_notes_total')).toMatch(
      /result="transcribe"} 1/,
    );
  });
});
