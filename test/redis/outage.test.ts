import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MARIA } from '../helpers/demo';
import { type Chat, chatOn } from '../helpers/person';
import { PrivateRedis, redisServerBinary, uniquePrefix, waitFor } from '../helpers/redis';
import { readiness, startInstances } from './harness';

const binary = redisServerBinary();

const WELCOME = /Soy un asistente virtual/;
const ASK_CEDULA = /Escribe tu número de cédula/;
const ASK_BIRTH = /día y mes de nacimiento/;
const FIRST_QUESTION = /preguntas de seguridad/;
/** common:error and common:busy in es-EC: both ask the person to try again shortly. */
const TRY_AGAIN = /Inténtalo en un minuto|Inténtalo de nuevo en un momento/;

/** How long the app waits for Redis before it gives up on a command or a connection. */
const REDIS_WAIT_MS = 1000;

/**
 * A private redis-server (never the machine's shared one) that the tests freeze, kill and start
 * again under a running app: the app must answer "try again in a minute", stay up, say it is not
 * ready, and serve again by itself once Redis is back.
 */
describe.skipIf(!binary.ok)(`the app while its Redis fails${binary.reason ? ` (skipped: no ${binary.reason})` : ''}`, () => {
  const prefix = uniquePrefix('outage');
  let server: PrivateRedis;
  let group: Awaited<ReturnType<typeof startInstances>>;
  const people: Chat[] = [];

  beforeAll(async () => {
    server = await PrivateRedis.start();
    group = await startInstances(1, {
      REDIS_URL: server.url,
      REDIS_KEY_PREFIX: prefix,
      REDIS_COMMAND_TIMEOUT_MS: String(REDIS_WAIT_MS),
      REDIS_CONNECT_TIMEOUT_MS: String(REDIS_WAIT_MS),
    });
  });

  afterAll(async () => {
    server?.thaw();
    await group?.close();
    await server?.kill();
  });

  afterEach(async () => {
    await Promise.all(people.splice(0).map((person) => person.close()));
  });

  const url = () => group.instances[0].url;
  /** A person on /api/messages, where each answer carries the replies (deliveryMode expectReplies). */
  const newPerson = async () => {
    const person = await chatOn('api', group.instances[0]);
    people.push(person);
    return person;
  };
  /** The replies as one text; the person's chat throws on an HTTP status other than 200. */
  const say = async (person: Chat, message: string): Promise<string> => (await person.say(message)).join('\n');
  const healthz = async () => (await fetch(`${url()}/healthz`)).status;

  /** Goes to the birth-date question: state, limits and transcript are now in Redis. */
  const startRecovery = async (person: Chat) => {
    expect(await say(person, 'hola')).toMatch(WELCOME);
    expect(await say(person, '1')).toMatch(ASK_CEDULA);
    expect(await say(person, MARIA.cedula)).toMatch(ASK_BIRTH);
  };

  it('answers "try again" while Redis hangs, and goes on from the same step once it answers again', async () => {
    const person = await newPerson();
    await startRecovery(person);

    // Freeze the server: connections stay open, nothing is answered, nothing is lost.
    server.freeze();
    try {
      expect(await say(person, MARIA.birth)).toMatch(TRY_AGAIN);
      expect(await readiness(url())).toBe(503);
      expect(await healthz()).toBe(200);
    } finally {
      server.thaw();
    }

    expect(await waitFor(async () => (await readiness(url())) === 200, 20_000, 200)).toBe(true);
    // The same message again: the turn that failed changed nothing, so it goes on from the birth date.
    const after = await say(person, MARIA.birth);
    expect(after).not.toMatch(TRY_AGAIN);
    expect(after).toMatch(FIRST_QUESTION);
  }, 60_000);

  it('answers "try again" while Redis is down, and starts cleanly once a Redis without the old data is back', async () => {
    const person = await newPerson();
    await startRecovery(person);

    await server.kill();
    expect(await say(person, MARIA.birth)).toMatch(TRY_AGAIN);
    expect(await readiness(url())).toBe(503);
    expect(await healthz()).toBe(200);
    // Still down: still answered, still alive.
    expect(await say(person, MARIA.birth)).toMatch(TRY_AGAIN);

    await server.start();
    expect(await waitFor(async () => (await readiness(url())) === 200, 20_000, 200)).toBe(true);

    // This server keeps nothing on disk: the conversation is gone, so the bot starts over from
    // the welcome instead of failing, and the whole path works again (limits, lookups, state).
    const admin = new Redis(server.url, { maxRetriesPerRequest: 1 });
    admin.on('error', () => undefined);
    const savedState = await admin.keys(`${prefix}state:*`);
    admin.disconnect();
    expect(savedState).toEqual([]);
    const after = await say(person, MARIA.birth);
    expect(after).not.toMatch(TRY_AGAIN);
    expect(after).toMatch(WELCOME);
    expect(await say(person, '1')).toMatch(ASK_CEDULA);
    expect(await say(person, MARIA.cedula)).toMatch(ASK_BIRTH);
    expect(await say(person, MARIA.birth)).toMatch(FIRST_QUESTION);
  }, 60_000);
});
