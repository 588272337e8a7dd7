import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { DemoDirectory } from '../../src/recovery/demoDirectory';
import { MARIA, setNewKey } from '../helpers/demo';
import { chatOn, says } from '../helpers/person';
import { TEST_REDIS_URL, deleteKeys, sharedRedis, uniquePrefix } from '../helpers/redis';
import { playScenario, scenario } from '../helpers/scenario';
import { until } from '../helpers/wait';
import { problemLog, startInstances } from './harness';

const redis = await sharedRedis();

/** One activity as the log returns it, only the fields read here. */
interface LoggedActivity {
  id?: string;
  type?: string;
  text?: string;
  from?: { role?: string };
}

/** The whole Direct Line log of a conversation as `baseUrl` serves it, page by page. */
async function wholeLog(baseUrl: string, conversation: { conversationId: string; token: string }): Promise<LoggedActivity[]> {
  const log: LoggedActivity[] = [];
  for (let watermark = 0; ;) {
    const response = await fetch(
      `${baseUrl}/v3/directline/conversations/${conversation.conversationId}/activities?watermark=${watermark}`,
      {
        headers: { Authorization: `Bearer ${conversation.token}` },
      },
    );
    const page = (await response.json()) as { activities: LoggedActivity[]; watermark: string };
    if (page.activities.length === 0) return log;
    log.push(...page.activities);
    watermark = Number(page.watermark);
  }
}

/**
 * Two instances behind a load balancer that sends each request of one web chat page to
 * whichever instance is free: every message is posted to one instance and its replies read
 * from the other (the page keeps its watermark across them), so both serve turns of one
 * conversation, and the key-changed notice written by one is read and pushed by the other.
 */
describe.skipIf(!redis.ok)(
  `a whole web chat recovery across two instances sharing Redis${redis.reason ? ` (skipped: no ${redis.reason})` : ''}`,
  () => {
    const prefix = uniquePrefix('webchat2');
    const { log, problems } = problemLog();
    let group: Awaited<ReturnType<typeof startInstances>>;

    beforeAll(async () => {
      group = await startInstances(2, { REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: prefix }, { log });
    });

    afterAll(async () => {
      await group?.close();
      await deleteKeys(TEST_REDIS_URL, prefix);
    });

    it('recovers the key with turns alternating between instances, and the key-changed notice is read from the other one', async () => {
      const [a, b] = group.instances;
      const newKey = scenario('maria-olvido-la-clave').newKey;
      // Started on A; message n posted to B and read from A, the next the other way round; between turns read from B.
      const chat = await chatOn('directline', a, { instances: [b, a], readCode: (email) => group.code(email) });
      const conversation = chat.directLine!;
      const pushed: LoggedActivity[] = [];
      let socket: WebSocket | undefined;
      let socketWatermark = 0;
      chat.setKey = async (token, key) => {
        // A page connected to B by WebSocket, from where the log stands.
        socketWatermark = (await wholeLog(b.url, conversation)).length;
        socket = new WebSocket(
          `${b.url.replace('http', 'ws')}/v3/directline/conversations/${conversation.conversationId}/stream?t=${encodeURIComponent(conversation.token)}&watermark=${socketWatermark}`,
        );
        socket.on('message', (data) =>
          pushed.push(...((JSON.parse((data as Buffer).toString('utf8')) as { activities?: LoggedActivity[] }).activities ?? [])),
        );
        socket.on('error', () => undefined);
        await until(() => socket!.readyState === WebSocket.OPEN, 'the socket on B to open');
        // The link made on one instance opens and works on A, which writes the notice to the shared log.
        expect((await fetch(`${a.url}/clave/nueva`)).status).toBe(200);
        return setNewKey(a.url, token, key);
      };

      const played = await playScenario('maria-olvido-la-clave', chat, problems);
      const directory = a.app.directory as DemoDirectory;
      const accountId = await directory.findAccount({ kind: 'person', cedula: MARIA.cedula });
      expect(await directory.keyMatches(accountId!, newKey)).toBe(true);

      // The page read the notice from B, once; B pushed on its socket, with A's ids, all that came after it
      // opened: the notice A wrote, what to do next, «¿Te sirvió?», then the last turn.
      expect(chat.later().filter((m) => says([m], 'common:keyChanged'))).toHaveLength(1);
      const onA = await wholeLog(a.url, conversation);
      const messages = (activities: LoggedActivity[]) => activities.filter((x) => x.type === 'message').map((x) => [x.id, x.text]);
      const expectedPush = messages(onA.slice(socketWatermark));
      await until(() => pushed.length && messages(pushed).length >= expectedPush.length, 'the messages pushed on B');
      expect(messages(pushed)).toEqual(expectedPush);
      expect(says([expectedPush[0][1] ?? ''], 'common:keyChanged')).toBe(true);
      socket?.close();
      // The conversation goes on after the notice.
      expect(says(played.turns.at(-1)!.bot, 'main:menuAgain')).toBe(true);

      // Both instances hold the same log, and the page read each of the bot's messages of it once.
      expect(await wholeLog(b.url, conversation)).toEqual(onA);
      const botTexts = onA.filter((x) => x.type === 'message' && x.from?.role === 'bot');
      expect(chat.read()).toHaveLength(botTexts.length);
      // What the person typed is kept masked: the cédula by its ends, the code not at all.
      const typed = onA.filter((x) => x.type === 'message' && x.from?.role === 'user').map((x) => x.text);
      expect(typed).toContain(`•••••••${MARIA.cedula.slice(-3)}`);
      expect(typed.join('\n')).not.toContain(MARIA.cedula);
      const said = chat.read().join('\n');
      expect(said).not.toMatch(/Uy, tuve un problema|Todavía estoy procesando/);
      // The new key is typed on the page, never in the chat.
      expect(said).not.toContain(newKey);
      expect(problems).toEqual([]);
    }, 90_000);
  },
);
