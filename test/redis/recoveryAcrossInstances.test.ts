import { describe, expect, it } from 'vitest';
import type { DemoDirectory } from '../../src/recovery/demoDirectory';
import { MARIA, setNewKey } from '../helpers/demo';
import { chatOn, says } from '../helpers/person';
import { playScenario, scenario } from '../helpers/scenario';
import { sharedRedis } from '../helpers/redis';
import { groupPerSuite } from './harness';

const redis = await sharedRedis();

/**
 * Two instances behind a load balancer that sends every request of one person to whichever
 * instance is free: a whole recovery over /api/messages, each turn on the other instance.
 */
describe.skipIf(!redis.ok)(
  `a whole recovery across two instances sharing Redis${redis.reason ? ` (skipped: no ${redis.reason})` : ''}`,
  () => {
    const group = groupPerSuite('app2');

    it('recovers the key with turns alternating between instances, the new-key page on the other one, and the notice delivered', async () => {
      const [a, b] = group().instances;
      // Every turn on the other instance; the code read from the outbox they share.
      const chat = await chatOn('api', a, { instances: [b, a], readCode: (email) => group().code(email) });
      // The link made on the instance that checked the code opens and works on the other one.
      let linkToken = '';
      chat.setKey = async (token, key) => {
        linkToken = token;
        expect((await fetch(`${b.url}/clave/nueva`)).status).toBe(200);
        return setNewKey(b.url, token, key);
      };
      try {
        const played = await playScenario('maria-olvido-la-clave', chat);
        const newKey = scenario('maria-olvido-la-clave').newKey;
        const said = chat.read();
        expect(says(said, 'code:confirmEmail')).toBe(true);
        expect(said.join('\n')).not.toContain(MARIA.email);
        // Turns alternate: the code sent by one instance was checked by the other, in the next turn.
        const sentAt = played.turns.findIndex((t) => says(t.bot, 'code:sent'));
        const verifiedAt = played.turns.findIndex((t) => says(t.bot, 'code:verified'));
        expect(verifiedAt - sentAt).toBe(1);

        // Used once, on either instance.
        expect(await setNewKey(a.url, linkToken, 'OtraClave26')).toBe(410);
        // The demo directory lives in each process; B is the one that set the key.
        const directory = b.app.directory as DemoDirectory;
        const accountId = await directory.findAccount({ kind: 'person', cedula: MARIA.cedula });
        expect(await directory.keyMatches(accountId!, newKey)).toBe(true);

        // The chat hears that the key changed once: a proactive message to its conversation at the channel's service URL.
        expect(chat.later().filter((m) => says([m], 'common:keyChanged'))).toHaveLength(1);
        // The conversation goes on after the notice ("gracias"), and no turn failed or was refused as busy.
        expect(says(played.turns.at(-1)!.bot, 'main:menuAgain')).toBe(true);
        expect(says(said, 'common:error')).toBe(false);
        expect(says(said, 'common:busy')).toBe(false);
      } finally {
        await chat.close();
      }
    }, 60_000);
  },
);
