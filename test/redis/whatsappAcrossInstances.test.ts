import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DemoDirectory } from '../../src/recovery/demoDirectory';
import { latestCodeFor } from '../../src/recovery/mail';
import { MARIA, linkIn, pickOption, setNewKey } from '../helpers/demo';
import { FakeTwilio } from '../helpers/fakeTwilio';
import { TEST_REDIS_URL, deleteKeys, sharedRedis, uniquePrefix, waitFor } from '../helpers/redis';
import { ACCOUNT_SID, AUTH_TOKEN, PUBLIC_BASE_URL, SENDER, inbound, postSigned, whatsappEnv } from '../whatsapp/webhooks';
import { problemLog, startInstances } from './harness';

const redis = await sharedRedis();
const USER = 'whatsapp:+593987650042';

/**
 * Two instances behind one public address (one PUBLIC_BASE_URL, as behind a load balancer),
 * each signed webhook going to the other instance, both sending through one stand-in for
 * Twilio's REST API: a whole recovery on WhatsApp.
 */
describe.skipIf(!redis.ok)(`a whole WhatsApp recovery across two instances sharing Redis${redis.reason ? ` (skipped: no ${redis.reason})` : ''}`, () => {
  const prefix = uniquePrefix('wa2');
  const { log, problems } = problemLog();
  let twilio: FakeTwilio;
  let group: Awaited<ReturnType<typeof startInstances>>;

  beforeAll(async () => {
    twilio = await FakeTwilio.start(ACCOUNT_SID, AUTH_TOKEN);
    group = await startInstances(
      2,
      {
        REDIS_URL: TEST_REDIS_URL,
        REDIS_KEY_PREFIX: prefix,
        ...whatsappEnv(twilio.url),
      },
      { log },
    );
  });

  afterAll(async () => {
    await group?.close();
    await twilio?.close();
    await deleteKeys(TEST_REDIS_URL, prefix);
  });

  it('recovers the key with webhooks alternating between instances, and the notice goes out once', { timeout: 120_000 }, async () => {
    const [a, b] = group.instances;
    let turns = 0;
    /**
     * Posts one signed webhook to the next instance and returns what the person then reads,
     * once the turn's last message (matching `until`) has reached Twilio.
     */
    const say = async (text: string, until: RegExp): Promise<string> => {
      const on = turns % 2 === 0 ? a : b;
      turns += 1;
      const before = twilio.bodiesTo(USER).length;
      const response = await postSigned(on.url, '/api/whatsapp', inbound(USER, text));
      expect(response.status).toBe(200);
      const arrived = await waitFor(() => until.test(twilio.bodiesTo(USER).slice(before).at(-1) ?? ''), 20_000, 50);
      if (!arrived) {
        throw new Error(
          `reply to «${text}» on ${on.url}; Twilio got:\n${twilio.bodiesTo(USER).slice(before).join('\n---\n')}\nlogged:\n${problems.join('')}`,
        );
      }
      return twilio.bodiesTo(USER).slice(before).join('\n\n');
    };

    expect(await say('hola', /1\. Recuperar mi clave/)).toMatch(/Soy un asistente virtual/);
    expect(await say('1', /cédula/)).not.toMatch(/\d\. /);
    expect(await say(MARIA.cedula, /día y mes de nacimiento/)).toBeTruthy();
    // Numbered options, answered by their number, each question on the other instance.
    let question = await say(MARIA.birth, /\?[^?]*\n1\. [\s\S]*$/);
    for (let asked = 0; asked < 6 && !/¿Tienes acceso a este correo\?/.test(question); asked += 1) {
      question = await say(pickOption(question, MARIA.answers), /(\?[^?]*\n1\. [\s\S]*|¿Tienes acceso a este correo\?[\s\S]*)$/);
    }
    expect(question).toMatch(/¿Tienes acceso a este correo\?/);
    expect(question).toMatch(/ma•+@e•+\.com/);
    expect(question).not.toContain(MARIA.email);

    expect(await say('sí', /Escribe aquí el código/)).toMatch(/Te envié un código de 6 números/);
    let code: string | undefined;
    expect(await waitFor(async () => Boolean((code = await latestCodeFor(group.outbox, MARIA.email))), 10_000)).toBe(true);
    expect(code).toMatch(/^\d{6}$/);
    const verified = await say(code!, /clave\/nueva/);
    expect(verified).toMatch(/Código correcto/);
    const { url, token } = linkIn(verified);
    expect(url.startsWith(PUBLIC_BASE_URL)).toBe(true);
    expect(turns, 'greeting, menu, cédula, birth date, two questions, email, code').toBeGreaterThanOrEqual(8);

    // The person opens the link; the load balancer sends the page to whichever instance it likes.
    const setOn = turns % 2 === 0 ? a : b;
    expect((await fetch(`${setOn.url}/clave/nueva`)).status).toBe(200);
    expect(await setNewKey(setOn.url, token, 'Nueva2026')).toBe(200);
    const directory = setOn.app.directory as DemoDirectory;
    const accountId = await directory.findAccount({ kind: 'person', cedula: MARIA.cedula });
    expect(await directory.keyMatches(accountId!, 'Nueva2026')).toBe(true);

    const changed = (body: string) => /clave del IESS fue cambiada/.test(body);
    expect(await waitFor(() => twilio.bodiesTo(USER).some(changed), 20_000), `the notice; logged:\n${problems.join('')}`).toBe(true);
    expect(twilio.bodiesTo(USER).filter(changed)).toHaveLength(1);

    // The conversation goes on, on the other instance, after the notice.
    expect(await say('gracias', /¿En qué más te puedo ayudar\?/)).toBeTruthy();

    const everything = twilio.messages.filter((m) => m.to === USER);
    for (const message of everything) {
      expect(message.from).toBe(SENDER);
      expect(message.statusCallback).toBe(`${PUBLIC_BASE_URL}/api/whatsapp/status`);
    }
    const said = everything.map((m) => m.body ?? '').join('\n');
    expect(said).not.toMatch(/Uy, tuve un problema|Todavía estoy procesando/);
    expect(said).not.toContain('Nueva2026');
    // Each question was asked once: no turn ran twice or on stale state.
    for (const once of [/día y mes de nacimiento/, /¿Tienes acceso a este correo\?/, /Código correcto/]) {
      expect(everything.filter((m) => once.test(m.body ?? '')), String(once)).toHaveLength(1);
    }
    expect(twilio.messages.filter((m) => m.to !== USER)).toEqual([]);
    expect(twilio.rejected).toEqual([]);
    expect(problems).toEqual([]);
  });
});
