import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MARIA } from '../helpers/demo';
import { FakeTwilio } from '../helpers/fakeTwilio';
import { PrivateRedis, redisServerBinary, uniquePrefix } from '../helpers/redis';
import { untilAsync } from '../helpers/wait';
import { problemLog, readiness, startInstances } from '../redis/harness';
import { chatOn } from '../helpers/person';
import { ACCOUNT_SID, AUTH_TOKEN, whatsappEnv } from './webhooks';

const binary = redisServerBinary();

const WELCOME = /Soy un asistente virtual/;
const ASK_BIRTH = /día y mes de nacimiento/;
const FIRST_QUESTION = /preguntas de seguridad/;
const TRY_AGAIN = /Inténtalo en un minuto/;

/** How long the app waits for Redis before it gives up on a command or a connection. */
const REDIS_WAIT_MS = 1000;

/**
 * WhatsApp while the app's Redis (a private redis-server) is frozen or killed: every message
 * gets an answer — "inténtalo en un minuto" during the outage — and nothing is handled twice
 * or silently dropped once Redis is back.
 */
describe.skipIf(!binary.ok)(`WhatsApp while its Redis fails${binary.reason ? ` (skipped: no ${binary.reason})` : ''}`, () => {
  const prefix = uniquePrefix('waoutage');
  const { log } = problemLog();
  let server: PrivateRedis;
  let twilio: FakeTwilio;
  let group: Awaited<ReturnType<typeof startInstances>>;
  let nextUser = 0;

  beforeAll(async () => {
    server = await PrivateRedis.start();
    twilio = await FakeTwilio.start(ACCOUNT_SID, AUTH_TOKEN);
    group = await startInstances(
      1,
      {
        REDIS_URL: server.url,
        REDIS_KEY_PREFIX: prefix,
        REDIS_COMMAND_TIMEOUT_MS: String(REDIS_WAIT_MS),
        REDIS_CONNECT_TIMEOUT_MS: String(REDIS_WAIT_MS),
        ...whatsappEnv(twilio.url),
      },
      { log },
      { twilio },
    );
  });

  afterAll(async () => {
    server?.thaw();
    await group?.close();
    await twilio?.close();
    await server?.kill();
  });

  const url = () => group.instances[0].url;

  /** One person on WhatsApp; `say` resolves to what they read back once the turn is over. */
  async function person() {
    const phone = `+5939876${String(process.pid % 1000).padStart(3, '0')}${String(nextUser++).padStart(2, '0')}`;
    const chat = await chatOn('whatsapp', group.instances[0], { phone });
    const user = `whatsapp:${phone}`;
    return { user, say: async (text: string) => (await chat.say(text)).join('\n') };
  }

  const startRecovery = async (say: Awaited<ReturnType<typeof person>>['say']) => {
    const welcome = await say('hola');
    expect(welcome).toMatch(WELCOME);
    expect(welcome).toMatch(/1\. Recuperar mi clave/);
    expect(await say('1')).toMatch(/cédula/);
    expect(await say(MARIA.cedula)).toMatch(ASK_BIRTH);
  };

  it('answers "inténtalo en un minuto" while Redis hangs, and goes on from the same step once it answers', async () => {
    const { user, say } = await person();
    await startRecovery(say);

    server.freeze();
    let sentBefore: number;
    try {
      const busy = await say(MARIA.birth);
      expect(busy).toMatch(TRY_AGAIN);
      expect(busy).not.toMatch(FIRST_QUESTION);
      sentBefore = twilio.bodiesTo(user).length;
    } finally {
      server.thaw();
    }
    await untilAsync(async () => (await readiness(url())) === 200, 'Redis to answer again', 20_000, 200);
    // Commands queued while frozen ran when Redis woke up: the message was still not handled late.
    expect(twilio.bodiesTo(user)).toHaveLength(sentBefore);

    const after = await say(MARIA.birth);
    expect(after).toMatch(FIRST_QUESTION);
    expect(after).not.toMatch(TRY_AGAIN);
    expect(twilio.bodiesTo(user).filter((b) => FIRST_QUESTION.test(b))).toHaveLength(1);
  }, 60_000);

  it('answers "inténtalo en un minuto" while Redis is down, and serves again once it is back', async () => {
    const { user, say } = await person();
    await startRecovery(say);

    await server.kill();
    // Down, and still down: every message answered.
    for (const busy of [await say(MARIA.birth), await say(MARIA.birth)]) {
      expect(busy).toMatch(TRY_AGAIN);
      expect(busy).not.toMatch(FIRST_QUESTION);
    }
    expect(await readiness(url())).toBe(503);

    await server.start();
    await untilAsync(async () => (await readiness(url())) === 200, 'Redis to answer again', 20_000, 200);
    // This Redis kept nothing: the conversation starts over, and the whole path works again.
    const again = await say(MARIA.birth);
    expect(again).toMatch(WELCOME);
    expect(again).not.toMatch(TRY_AGAIN);
    expect(await say('1')).toMatch(/cédula/);
    expect(await say(MARIA.cedula)).toMatch(ASK_BIRTH);
    expect(await say(MARIA.birth)).toMatch(FIRST_QUESTION);
    expect(twilio.rejected).toEqual([]);
    expect(twilio.bodiesTo(user).filter((b) => TRY_AGAIN.test(b))).toHaveLength(2);
  }, 60_000);
});
