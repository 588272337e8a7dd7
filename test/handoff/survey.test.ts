import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/handoff/agents';
import type { TestApp } from '../helpers/app';
import { FakeTwilio } from '../helpers/fakeTwilio';
import { TEST_REDIS_URL, deleteKeys, sharedRedis, uniquePrefix } from '../helpers/redis';
import { startInstances } from '../redis/harness';
import { chatOn } from '../helpers/person';
import { ACCOUNT_SID, AUTH_TOKEN, whatsappEnv } from '../whatsapp/webhooks';

const redis = await sharedRedis();
const PERSON = 'whatsapp:+593987650031';

/**
 * The satisfaction survey on WhatsApp, with two instances on one Redis: the agent closes on
 * instance A, the person answers through instance B, the supervisor's numbers and /metrics agree.
 */
describe.skipIf(!redis.ok)(
  `the satisfaction survey on WhatsApp across two instances${redis.reason ? ` (skipped: no ${redis.reason})` : ''}`,
  () => {
    const prefix = uniquePrefix('survey');
    let twilio: FakeTwilio;
    let group: Awaited<ReturnType<typeof startInstances>>;
    let a: TestApp;
    let b: TestApp;

    beforeAll(async () => {
      twilio = await FakeTwilio.start(ACCOUNT_SID, AUTH_TOKEN);
      group = await startInstances(
        2,
        {
          ...whatsappEnv(twilio.url),
          REDIS_URL: TEST_REDIS_URL,
          REDIS_KEY_PREFIX: prefix,
          AGENTS: `ana:${await hashPassword('clave-ana-larga', { N: 1024, r: 8, p: 1 })}`,
          SERVICE_HOURS: '',
        },
        {},
        { twilio },
      );
      [a, b] = group.instances;
    });
    afterAll(async () => {
      await group?.close();
      await twilio?.close();
      await deleteKeys(TEST_REDIS_URL, prefix);
    });

    it('asks 1-5 after the agent closes, takes the rating and the comment, and counts them per agent', { timeout: 60_000 }, async () => {
      // Each message through the next instance: B, A, B, A…
      const chat = await chatOn('whatsapp', a, { phone: PERSON.replace(/^whatsapp:/, ''), instances: [b, a] });
      const say = async (text: string) => (await chat.say(text)).join('\n\n');
      await say('hola');
      await say('quiero hablar con un asesor');
      const ticket = (await a.app.handoff.tickets.openForConversation('whatsapp', PERSON))!;
      const ana = a.app.handoff.agents.named('ana')!;
      await a.app.handoff.claim(ticket.id, ana);
      expect(await a.app.handoff.close(ticket.id, ana)).toBe('closed');
      await chat.waitLater((text) => /5\. Excelente/.test(text));
      expect(chat.later().join('\n\n')).toMatch(
        /¿cómo te atendió Ana, del equipo de asesores del IESS\?[\s\S]*1\. Muy mal\n2\. Mal\n3\. Regular\n4\. Bien\n5\. Excelente/,
      );

      expect(await say('4')).toContain('¿Quieres contarnos algo más');
      // Thanks, then the menu: the survey ends offering what can come next.
      expect(await say('no')).toMatch(
        /^¡Gracias por tu opinión! Nos ayuda a atenderte mejor 🙌\n\n¿En qué más te puedo ayudar\?\n\n1\. Recuperar mi clave/,
      );

      for (const t of [a, b]) {
        expect((await t.app.handoff.survey.report()).byAgent.ana).toEqual({
          responses: 1,
          average: 4,
          distribution: [0, 0, 0, 1, 0],
          comments: 0,
        });
      }
      // /metrics: the instance that took the rating reports it per agent; the average is sum / count.
      const metrics = await (await fetch(`${b.url}/metrics`)).text();
      expect(metrics).toMatch(/iess_satisfaction_rating_sum\{flow="handoff",agent="ana"\} 4\b/);
      expect(metrics).toMatch(/iess_satisfaction_rating_count\{flow="handoff",agent="ana"\} 1\b/);
      // The person is back with the bot.
      expect(await say('hola')).toMatch(/Hablar con una persona/);
    });
  },
);
