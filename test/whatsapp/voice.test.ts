import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app';
import { MARIA } from '../helpers/demo';
import { FakeSpeech } from '../helpers/fakeSpeech';
import { FakeTwilio } from '../helpers/fakeTwilio';
import { voiceNote, voiceTools } from '../helpers/voice';
import { problemLog } from '../redis/harness';
import { ACCOUNT_SID, AUTH_TOKEN, inbound, postSigned, whatsappEnv } from './webhooks';

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
  const { log, problems } = problemLog();

  beforeAll(async () => {
    twilio = await FakeTwilio.start(ACCOUNT_SID, AUTH_TOKEN);
    speech = await FakeSpeech.start(TOKEN);
    app = await startTestApp(
      { ...whatsappEnv(twilio.url), SPEECH_TO_TEXT_URL: speech.endpoint, SPEECH_TO_TEXT_TOKEN: TOKEN, TWILIO_DELETE_AFTER_SECONDS: '0.1' },
      { log },
    );
  });
  afterAll(async () => {
    await app?.close();
    await speech?.close();
    await twilio?.close();
  });

  function personAt(user: string) {
    return async (message: string | Buffer, until: RegExp): Promise<string> => {
      const before = twilio.bodiesTo(user).length;
      const fields =
        typeof message === 'string'
          ? twilio.receive(inbound(user, message))
          : twilio.receive(inbound(user, '', { MessageType: 'audio' }), [{ contentType: 'audio/ogg', bytes: message }]);
      expect((await postSigned(app.url, '/api/whatsapp', fields)).status).toBe(200);
      try {
        await expect.poll(() => twilio.bodiesTo(user).slice(before).join('\n'), { timeout: 20_000 }).toMatch(until);
      } catch (error) {
        throw new Error(`reply: ${(error as Error).message}\nlogged:\n${problems.join('')}`, { cause: error });
      }
      return twilio.bodiesTo(user).slice(before).join('\n');
    };
  }

  it('answers by voice: echoed, numbers confirmed before use, then handled as typed', { timeout: 60_000 }, async () => {
    const user = 'whatsapp:+593987650201';
    const say = personAt(user);
    await say('hola', /1\. Recuperar mi clave/);
    await say('1', /cédula/);

    const cedula = voiceNote(`mi cédula es ${MARIA.cedula}`);
    speech.says(cedula, `Mi cédula es ${MARIA.cedula}.`);
    const confirm = await say(cedula, /¿Es correcto\?/);
    expect(confirm).toContain(`Entendí: "Mi cédula es ${MARIA.cedula}."`);
    expect(confirm).toMatch(/1\. Sí\n2\. No/);
    expect(confirm).not.toMatch(/día y mes/);
    expect(await say('sí', /día y mes de nacimiento/)).not.toMatch(/Entendí/);

    const birth = voiceNote('quince de marzo');
    speech.says(birth, 'Quince de marzo.');
    const next = await say(birth, /preguntas de seguridad/);
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
    const user = 'whatsapp:+593987650202';
    const say = personAt(user);
    await say('hola', /1\. Recuperar mi clave/);
    await say('1', /cédula/);
    const wrong = voiceNote('mi cédula es uno siete uno cuatro');
    speech.says(wrong, 'Mi cédula es 1714.');
    await say(wrong, /¿Es correcto\?/);
    expect(await say('no', /Escríbemelo/)).not.toMatch(/cédula no es válida|día y mes/);
    // The question still waits: the typed cédula is taken.
    await say(MARIA.cedula, /día y mes de nacimiento/);

    speech.failures = 1;
    const lost = voiceNote('quince de marzo');
    expect(await say(lost, /No logré entender el audio/)).not.toMatch(/preguntas de seguridad/);
    expect(await app.app.services.metrics.registry.getSingleMetricAsString('iess_whatsapp_voice_notes_total')).toMatch(
      /result="transcribe"} 1/,
    );
  });
});
