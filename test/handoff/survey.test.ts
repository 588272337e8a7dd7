import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/handoff/agents';
import type { TestApp } from '../helpers/app';
import { FakeTwilio } from '../helpers/fakeTwilio';
import { TEST_REDIS_URL, deleteKeys, sharedRedis, uniquePrefix } from '../helpers/redis';
import { startInstances } from '../redis/harness';
import { ACCOUNT_SID, AUTH_TOKEN, inbound, postSigned, whatsappEnv } from '../whatsapp/webhooks';

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
      group = await startInstances(2, {
        ...whatsappEnv(twilio.url),
        REDIS_URL: TEST_REDIS_URL,
        REDIS_KEY_PREFIX: prefix,
        AGENTS: `ana:${await hashPassword('clave-ana-larga', { N: 1024, r: 8, p: 1 })}`,
        SERVICE_HOURS: '',
      });
      [a, b] = group.instances;
    });
    afterAll(async () => {
      await group?.close();
      await twilio?.close();
      await deleteKeys(TEST_REDIS_URL, prefix);
    });

    /** The person writes through `t`; resolves with what they received after it. */
    async function say(t: TestApp, text: string): Promise<string> {
      const before = twilio.bodiesTo(PERSON).length;
      expect((await postSigned(t.url, '/api/whatsapp', inbound(PERSON, text))).status).toBe(200);
      await expect.poll(() => twilio.bodiesTo(PERSON).length, { timeout: 10_000 }).toBeGreaterThan(before);
      return twilio.bodiesTo(PERSON).slice(before).join('\n\n');
    }

    it('asks 1-5 after the agent closes, takes the rating and the comment, and counts them per agent', { timeout: 60_000 }, async () => {
      await say(a, 'hola');
      await say(b, 'quiero hablar con un asesor');
      const ticket = (await a.app.handoff.tickets.openForConversation('whatsapp', PERSON))!;
      const ana = a.app.handoff.agents.named('ana')!;
      await a.app.handoff.claim(ticket.id, ana);
      const before = twilio.bodiesTo(PERSON).length;
      expect(await a.app.handoff.close(ticket.id, ana)).toBe('closed');
      await expect
        .poll(() => twilio.bodiesTo(PERSON).slice(before).join('\n\n'), { timeout: 10_000 })
        .toMatch(
          /¿cómo te atendió Ana, del equipo de asesores del IESS\?[\s\S]*1\. Muy mal\n2\. Mal\n3\. Regular\n4\. Bien\n5\. Excelente/,
        );

      expect(await say(b, '4')).toContain('¿Quieres contarnos algo más');
      // Thanks, then the menu: the survey ends offering what can come next.
      const afterSurvey = twilio.bodiesTo(PERSON).length;
      await say(a, 'no');
      await expect
        .poll(() => twilio.bodiesTo(PERSON).slice(afterSurvey).join('\n\n'), { timeout: 10_000 })
        .toMatch(/^¡Gracias por tu opinión! Nos ayuda a atenderte mejor 🙌\n\n¿En qué más te puedo ayudar\?\n\n1\. Recuperar mi clave/);

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
      expect(await say(b, 'hola')).toMatch(/Hablar con una persona/);
    });
  },
);
