import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MARIA } from '../helpers/demo';
import { type Chat, chatOn } from '../helpers/person';
import { TEST_REDIS_URL, deleteKeys, sharedRedis, uniquePrefix } from '../helpers/redis';
import { startInstances } from './harness';

const redis = await sharedRedis();

/** Conversations in this run; each sends two messages at once, one to each instance. */
const CONVERSATIONS = 200;

const WELCOME = /Soy un asistente virtual/;
const ASK_CEDULA = /Escribe tu número de cédula/;
const ASK_BIRTH = /día y mes de nacimiento/;
const BUSY_OR_ERROR = /Todavía estoy procesando|Uy, tuve un problema/;

/**
 * Two HTTP requests that reach two instances at the same moment have no order of their own;
 * what the product promises is that their turns never overlap and neither is lost. Both
 * messages are "1": on a new conversation the first turn to run greets with the menu, and the
 * second, which must see the state the first saved, picks option 1 and asks for the cédula. Two
 * greetings would mean the turns overlapped or a saved state was lost.
 */
describe.skipIf(!redis.ok)(
  `simultaneous messages of one conversation on two instances${redis.reason ? ` (skipped: no ${redis.reason})` : ''}`,
  () => {
    const prefix = uniquePrefix('race');
    let group: Awaited<ReturnType<typeof startInstances>>;
    let people: Chat[] = [];

    beforeAll(async () => {
      group = await startInstances(2, {
        REDIS_URL: TEST_REDIS_URL,
        REDIS_KEY_PREFIX: prefix,
        // Generous bounds: a loaded test machine must not turn a wait into a "try again".
        CONVERSATION_LOCK_WAIT_MS: '60000',
        CONVERSATION_LOCK_TTL_MS: '120000',
        REDIS_COMMAND_TIMEOUT_MS: '15000',
        // Every person here comes from this machine's one address.
        REQUESTS_PER_MINUTE_PER_ADDRESS: String(CONVERSATIONS * 10),
      });
    });

    afterAll(async () => {
      await Promise.all(people.map((person) => person.close()));
      await group?.close();
      await deleteKeys(TEST_REDIS_URL, prefix);
    });

    it(`answers both messages of ${CONVERSATIONS} conversations in turn order and keeps their state`, async () => {
      const [a, b] = group.instances;
      // Each person's messages go to the instances in turn (/api/messages, the replies in the
      // answer, any status but 200 a failure): the two at once reach one each, and the third
      // reaches A for odd conversations and B for even ones.
      people = await Promise.all(
        Array.from({ length: CONVERSATIONS }, (_, index) => chatOn('api', a, { instances: index % 2 ? [a, b] : [b, a] })),
      );
      const text = (replies: string[]) => replies.join('\n');
      /** The menu comes as buttons on this channel, shown as a numbered list. */
      const offersMenu = (replies: string[]) => /^\d+\. Recuperar mi clave$/m.test(text(replies));

      const pairs = await Promise.all(
        people.map(async (person, index) => {
          const [first, second] = await Promise.all([person.say('1'), person.say('1')]);
          return index % 2 ? [first, second] : [second, first];
        }),
      );

      let greetedByA = 0;
      for (const [index, [onA, onB]] of pairs.entries()) {
        const where = `conversation ${index}`;
        expect(onA.length, where).toBeGreaterThan(0);
        expect(onB.length, where).toBeGreaterThan(0);
        expect(`${text(onA)}\n${text(onB)}`, where).not.toMatch(BUSY_OR_ERROR);
        // Exactly one turn saw the new conversation; the other saw what it saved.
        const [firstTurn, secondTurn] = WELCOME.test(text(onA)) ? [onA, onB] : [onB, onA];
        if (firstTurn === onA) greetedByA += 1;
        expect(text(firstTurn), where).toMatch(WELCOME);
        expect(offersMenu(firstTurn), where).toBe(true);
        expect(text(secondTurn), where).not.toMatch(WELCOME);
        expect(text(secondTurn), where).toMatch(ASK_CEDULA);
      }
      console.info(`[race] the turn on instance A ran first in ${greetedByA} of ${CONVERSATIONS} conversations`);

      // A third message, on either instance, goes on from the saved step.
      const thirds = await Promise.all(people.map((person) => person.say(MARIA.cedula)));
      for (const [index, third] of thirds.entries()) {
        expect(text(third), `conversation ${index}`).toMatch(ASK_BIRTH);
      }
    }, 180_000);
  },
);
