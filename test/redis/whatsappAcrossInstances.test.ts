import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DemoDirectory } from '../../src/recovery/demoDirectory';
import { latestCodeFor } from '../../src/recovery/mail';
import { MARIA, linkIn, setNewKey } from '../helpers/demo';
import { chatOn, says } from '../helpers/person';
import { playScenario, scenario } from '../helpers/scenario';
import { FakeTwilio } from '../helpers/fakeTwilio';
import { TEST_REDIS_URL, deleteKeys, sharedRedis, uniquePrefix } from '../helpers/redis';
import { ACCOUNT_SID, AUTH_TOKEN, PUBLIC_BASE_URL, SENDER } from '../whatsapp/webhooks';
import { problemLog, startInstances } from './harness';

const redis = await sharedRedis();
const USER = 'whatsapp:+593987650042';

/**
 * Two instances behind one public address (one PUBLIC_BASE_URL, as behind a load balancer),
 * each signed webhook going to the other instance, both sending through one stand-in for
 * Twilio's REST API: a whole recovery on WhatsApp.
 */
describe.skipIf(!redis.ok)(
  `a whole WhatsApp recovery across two instances sharing Redis${redis.reason ? ` (skipped: no ${redis.reason})` : ''}`,
  () => {
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
        },
        { log },
        { twilio },
      );
    });

    afterAll(async () => {
      await group?.close();
      await twilio?.close();
      await deleteKeys(TEST_REDIS_URL, prefix);
    });

    it('recovers the key with webhooks alternating between instances, and the notice goes out once', { timeout: 120_000 }, async () => {
      const [a, b] = group.instances;
      const readCode = async (email: string) => {
        await group.mailSent();
        const code = await latestCodeFor(group.outbox, email);
        if (!code) throw new Error(`no code for ${email} in the shared outbox`);
        return code;
      };
      // Each signed webhook goes to the other instance.
      const chat = await chatOn('whatsapp', a, { phone: USER.replace('whatsapp:', ''), instances: [a, b], readCode });
      // The person opens the link; the load balancer sends the page to whichever instance it likes.
      let linkToken = '';
      chat.setKey = async (token, key) => {
        linkToken = token;
        expect((await fetch(`${b.url}/clave/nueva`)).status).toBe(200);
        return setNewKey(b.url, token, key);
      };
      const person = scenario('maria-whatsapp-contesta-con-palabras');
      await playScenario(person.name, chat, problems);
      const said = chat.read();
      expect(said.join('\n')).toMatch(/ma•+@e•+\.com/);
      expect(said.join('\n')).not.toContain(MARIA.email);
      const verified = said.find((m) => m.includes('/clave/nueva')) ?? '';
      expect(linkIn(verified).token).toBe(linkToken);
      expect(linkIn(verified).url.startsWith(PUBLIC_BASE_URL)).toBe(true);
      const directory = b.app.directory as DemoDirectory;
      const accountId = await directory.findAccount({ kind: 'person', cedula: MARIA.cedula });
      expect(await directory.keyMatches(accountId!, person.newKey)).toBe(true);

      const everything = twilio.messages.filter((m) => m.to === USER);
      const bodies = everything.map((m) => m.body ?? '');
      // The notice went out once, and the conversation went on after it ("gracias", on the other instance).
      expect(bodies.filter((m) => says([m], 'common:keyChanged'))).toHaveLength(1);
      expect(says(bodies.slice(-1), 'main:menuAgain')).toBe(true);
      for (const message of everything) {
        expect(message.from).toBe(SENDER);
        expect(message.statusCallback).toBe(`${PUBLIC_BASE_URL}/api/whatsapp/status`);
      }
      expect(says(bodies, 'common:error')).toBe(false);
      expect(says(bodies, 'common:busy')).toBe(false);
      expect(bodies.join('\n')).not.toContain(person.newKey);
      // Each question was asked once: no turn ran twice or on stale state.
      for (const once of ['recovery:askBirth', 'code:confirmEmail', 'code:verified']) {
        expect(
          bodies.filter((m) => says([m], once)),
          once,
        ).toHaveLength(1);
      }
      expect(twilio.messages.filter((m) => m.to !== USER)).toEqual([]);
      expect(twilio.rejected).toEqual([]);
      expect(problems).toEqual([]);
    });
  },
);
