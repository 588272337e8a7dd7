import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { DemoDirectory } from '../../src/recovery/demoDirectory';
import { latestCodeFor } from '../../src/recovery/mail';
import { HIDDEN } from '../../src/recovery/mask';
import { MARIA, linkIn, setNewKey } from '../helpers/demo';
import { TEST_REDIS_URL, deleteKeys, sharedRedis, uniquePrefix, waitFor } from '../helpers/redis';
import { problemLog, startInstances } from './harness';

const redis = await sharedRedis();

/** One activity as GET /activities returns it, only the fields read here. */
interface LoggedActivity {
  id?: string;
  type?: string;
  text?: string;
  from?: { id?: string; role?: string };
  suggestedActions?: { actions?: Array<{ title?: string; value?: unknown }> };
}

/** Folds accents and case, as a reader does when skimming for a phrase. */
const fold = (s: string) =>
  s
    .normalize('NFD')
    .replace(/\p{Diacritic}/gu, '')
    .toLowerCase();

/**
 * A web chat page that speaks the Direct Line REST API by hand, to whichever instance the
 * load balancer picks for each request: it posts with the conversation token and reads the
 * log with GET /activities?watermark=, keeping the watermark between instances.
 */
class RestPage {
  /** Everything read from the log, in order, whichever instance answered. */
  readonly log: LoggedActivity[] = [];
  watermark = 0;

  constructor(
    readonly conversationId: string,
    readonly token: string,
  ) {}

  private get headers() {
    return { Authorization: `Bearer ${this.token}`, 'Content-Type': 'application/json' };
  }

  private activitiesUrl(baseUrl: string) {
    return `${baseUrl}/v3/directline/conversations/${encodeURIComponent(this.conversationId)}/activities`;
  }

  /** Posts a message to `baseUrl` and returns the id the instance gave it. */
  async post(baseUrl: string, text: string, clientActivityID: string): Promise<string> {
    const response = await fetch(this.activitiesUrl(baseUrl), {
      method: 'POST',
      headers: this.headers,
      body: JSON.stringify({ type: 'message', from: { id: 'page' }, text, locale: 'es-EC', channelData: { clientActivityID } }),
      signal: AbortSignal.timeout(30_000),
    });
    const body = (await response.json()) as { id?: string };
    if (response.status !== 200 || !body.id)
      throw new Error(`POST «${text}» to ${baseUrl} answered ${response.status}: ${JSON.stringify(body)}`);
    return body.id;
  }

  /** One GET from the current watermark; appends what came and moves the watermark. */
  async read(baseUrl: string): Promise<LoggedActivity[]> {
    const response = await fetch(`${this.activitiesUrl(baseUrl)}?watermark=${this.watermark}`, {
      headers: this.headers,
      signal: AbortSignal.timeout(10_000),
    });
    if (response.status !== 200) throw new Error(`GET activities on ${baseUrl} answered ${response.status}`);
    const page = (await response.json()) as { activities: LoggedActivity[]; watermark: string };
    const next = Number(page.watermark);
    expect(next, 'the watermark never goes back').toBeGreaterThanOrEqual(this.watermark);
    expect(next - this.watermark, 'the watermark counts the activities returned').toBe(page.activities.length);
    page.activities.forEach((activity, i) => {
      // Ids carry the place in the log, whichever instance wrote or reads it.
      expect(activity.id).toBe(`${this.conversationId}|${String(this.watermark + i).padStart(7, '0')}`);
    });
    this.watermark = next;
    this.log.push(...page.activities);
    return page.activities;
  }

  /**
   * Reads from `baseUrl` (again, bounded) until a bot message after position `from` of the log
   * contains `phrase`; returns that message.
   */
  async expectBot(baseUrl: string, phrase: string, from: number, timeoutMs = 15_000): Promise<LoggedActivity> {
    const found = () => this.botMessages(from).find((m) => fold(m.text ?? '').includes(fold(phrase)));
    const seen = await waitFor(async () => (await this.read(baseUrl), Boolean(found())), timeoutMs, 100);
    if (!seen) {
      throw new Error(
        `the bot never said «${phrase}» (read on ${baseUrl}); it said:\n${this.botMessages(from)
          .map((m) => m.text)
          .join('\n---\n')}`,
      );
    }
    return found()!;
  }

  botMessages(from = 0): LoggedActivity[] {
    return this.log.slice(from).filter((a) => a.type === 'message' && a.from?.role === 'bot');
  }

  /** The value of the button on `message` whose title is one of `titles`. */
  static button(message: LoggedActivity, titles: string[]): string {
    const action = message.suggestedActions?.actions?.find((a) => titles.map(fold).includes(fold(a.title ?? '')));
    if (!action) throw new Error(`no button among ${titles.join(', ')} on: ${message.text}`);
    return typeof action.value === 'string' ? action.value : (action.title ?? '');
  }
}

/**
 * Two instances behind a load balancer that sends each request of one web chat page to
 * whichever instance is free: every message is posted to one instance and its replies read
 * from the other, so both instances serve turns of one conversation.
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
      const issued = (await (
        await fetch(`${a.url}/api/webchat/token`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: '{"locale":"es-EC"}',
        })
      ).json()) as { token: string; conversationId: string };
      const started = await fetch(`${a.url}/v3/directline/conversations`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${issued.token}`, 'Content-Type': 'application/json' },
        body: '{}',
      });
      expect(started.status).toBe(201);
      const page = new RestPage(issued.conversationId, issued.token);

      // Turn n is posted to one instance and read from the other; the next turn swaps them.
      let turns = 0;
      /**
       * Sends `text` and waits for `expected`; returns the turn's last bot message (the question it
       * ends on). The log keeps the message as `kept`: masked when it answers a secret question.
       */
      const say = async (text: string, expected: string, kept = text): Promise<LoggedActivity> => {
        const [postTo, readFrom] = turns % 2 === 0 ? [b, a] : [a, b];
        turns += 1;
        const at = page.log.length;
        const id = await page.post(postTo.url, text, `client-${turns}`);
        try {
          await page.expectBot(readFrom.url, expected, at);
          // The page's own message is in the log, as the instance that took it numbered it.
          const echo = page.log.slice(at).find((x) => x.id === id);
          expect(echo, `the echo of «${text}»`).toMatchObject({ type: 'message', text: kept, from: { role: 'user' } });
          // The POST answered once the turn was over, so the whole turn is in what was read.
          return page.botMessages(at).at(-1)!;
        } catch (error) {
          throw new Error(`${(error as Error).message}\nlogged:\n${problems.join('')}`, { cause: error });
        }
      };

      const menu = await page.expectBot(b.url, '¿Qué necesitas hacer?', 0);
      expect(
        page
          .botMessages()
          .map((m) => m.text)
          .join('\n'),
      ).toMatch(/Soy un asistente virtual/);
      await say(RestPage.button(menu, ['Recuperar mi clave']), 'cédula');
      await say(MARIA.cedula, 'día y mes de nacimiento', '•••••••103');
      // The challenge questions come with buttons; the person taps the right one each time.
      let question = await say(MARIA.birth, 'preguntas de seguridad', '••/••');
      for (let asked = 0; asked < 6 && !(question.text ?? '').includes('¿Tienes acceso a este correo?'); asked += 1) {
        question = await say(RestPage.button(question, MARIA.answers), '?', HIDDEN);
      }
      expect(question.text).toContain('¿Tienes acceso a este correo?');
      expect(question.text).not.toContain(MARIA.email);

      await say('sí', 'Te envié un código');
      let code: string | undefined;
      expect(await waitFor(async () => Boolean((code = await latestCodeFor(group.outbox, MARIA.email))), 10_000)).toBe(true);
      expect(code).toMatch(/^\d{6}$/);
      const beforeCode = page.log.length;
      await say(code!, '/clave/nueva', '••••••');
      const verified = page
        .botMessages(beforeCode)
        .map((m) => m.text)
        .join('\n');
      expect(verified).toMatch(/Código correcto/);
      const { token } = linkIn(verified);
      expect(turns, 'menu, cédula, birth date, two questions, email, code').toBeGreaterThanOrEqual(7);

      // A page connected to A by WebSocket, from where the page has read.
      const streamUrl = `${a.url.replace('http', 'ws')}/v3/directline/conversations/${page.conversationId}/stream?t=${encodeURIComponent(page.token)}&watermark=${page.watermark}`;
      const socket = new WebSocket(streamUrl);
      const pushed: LoggedActivity[] = [];
      socket.on('message', (data) =>
        pushed.push(...((JSON.parse((data as Buffer).toString('utf8')) as { activities?: LoggedActivity[] }).activities ?? [])),
      );
      socket.on('error', () => undefined);
      expect(await waitFor(() => socket.readyState === WebSocket.OPEN, 10_000)).toBe(true);

      // The link made on one instance opens and works on B.
      expect((await fetch(`${b.url}/clave/nueva`)).status).toBe(200);
      expect(await setNewKey(b.url, token, 'NuevaClave26')).toBe(200);
      const directory = b.app.directory as DemoDirectory;
      const accountId = await directory.findAccount({ kind: 'person', cedula: MARIA.cedula });
      expect(await directory.keyMatches(accountId!, 'NuevaClave26')).toBe(true);

      // B appended the notice to the shared log; the page reads it from A.
      const afterKey = page.log.length;
      const notice = await page.expectBot(a.url, 'clave del IESS fue cambiada', afterKey);
      expect(notice.from?.role).toBe('bot');
      expect(page.botMessages().filter((m) => /clave del IESS fue cambiada/.test(m.text ?? ''))).toHaveLength(1);
      // ...and A pushed it on its socket, with the same id, though B wrote it; then what to do next and «¿Te sirvió?».
      const pushedMessages = () => pushed.filter((x) => x.type === 'message');
      expect(await waitFor(() => pushedMessages().length === 3, 10_000)).toBe(true);
      expect(pushedMessages()[0].id).toBe(notice.id);
      expect(pushedMessages()[2].text).toContain('¿Te sirvió esta ayuda?');
      socket.close();

      // The conversation goes on after the notice.
      await say('gracias', '¿En qué más te puedo ayudar?');

      // Both instances hold the same log, and the page read every activity of it exactly once.
      const whole = async (baseUrl: string) => {
        const reader = new RestPage(page.conversationId, page.token);
        for (let round = 0; round < 50; round += 1) if ((await reader.read(baseUrl)).length === 0) break;
        return reader.log;
      };
      const [onA, onB] = [await whole(a.url), await whole(b.url)];
      expect(onA).toEqual(onB);
      expect(onA.map((x) => x.id)).toEqual(page.log.map((x) => x.id));
      const said = page
        .botMessages()
        .map((m) => m.text ?? '')
        .join('\n');
      expect(said).not.toMatch(/Uy, tuve un problema|Todavía estoy procesando/);
      // The new key is typed on the page, never in the chat.
      expect(said).not.toContain('NuevaClave26');
      expect(problems).toEqual([]);
    }, 90_000);
  },
);
