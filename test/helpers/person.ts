import type { Activity, Message } from 'botframework-directlinejs';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConversationLog, activityId } from '../../src/channels/directline/conversationLog';
import { readableText } from '../../src/channels/inProcess';
import { botFrameworkMessage } from './activity';
import { installBrowserGlobals, requestToken } from './channel';
import { inbound, postSigned } from '../whatsapp/webhooks';
import type { TestApp, TestConversation } from './app';
import { setNewKey } from './demo';
import { sayingsIn } from './sayings';
import { until, untilAsync } from './wait';

/** The ways a person reaches the app. */
export type ChannelName = 'inprocess' | 'directline' | 'whatsapp' | 'api';
export const CHANNELS: readonly ChannelName[] = ['inprocess', 'directline', 'whatsapp', 'api'];

/** One person's chat on one channel: what they write in, what they read back (one string per bot message). */
export interface Chat {
  readonly channel: ChannelName;
  /** Messages the bot sent before the person wrote anything (the web chat greets on opening). */
  opening(): Promise<string[]>;
  /**
   * Sends one message; resolves to the bot's replies to it, once the turn is over. `attached`:
   * what else WhatsApp posts with it (a photo, a voice note); other channels refuse it. A
   * property, as tests wrap it.
   */
  say: (text: string, attached?: Attached) => Promise<string[]>;
  /** Messages that arrived outside a turn (the key changed, an agent), in order. */
  later(): string[];
  /** Waits until a message after the turns matches. */
  waitLater(match: (text: string) => boolean): Promise<void>;
  /** Every message the bot sent this person so far, in order. */
  read(): string[];
  /** The newest code emailed to `email`, as the person reads it from the mailbox. */
  code(email: string): Promise<string>;
  /**
   * Direct Line only: the page goes away while `work` runs, then comes back with the watermark
   * of what it last saw, as Web Chat does on reconnecting.
   */
  away?<T>(work: () => Promise<T>): Promise<T>;
  /** Direct Line only: the conversation and its token, for a test that reads the log or opens a socket itself. */
  directLine?: { conversationId: string; token: string };
  /** Types a new key on the new-key page the link opens; resolves to the HTTP status. A property, as tests wrap it. */
  setKey: (token: string, key: string) => Promise<number>;
  close(): Promise<void>;
}

/** A WhatsApp message's other fields (MessageType, MediaContentType0…) and media kept at Twilio. */
export interface Attached {
  fields?: Record<string, string>;
  media?: Array<{ contentType: string; bytes: Buffer }>;
}

export interface ChatOptions {
  /** WhatsApp: the person's number (default: a fresh one). */
  phone?: string;
  /** Direct Line: the stream over WebSocket (default) or by polling. */
  webSocket?: boolean;
  locale?: string;
  /**
   * Instances behind a load balancer (default: the app alone). /api/messages, WhatsApp: each
   * turn is sent to the next one. Direct Line: the page speaks REST alone, posting each message
   * to the next one and reading its replies from the one after it, keeping its watermark across
   * them; what comes between turns it reads from the first.
   */
  instances?: TestApp[];
  /** Where the person reads their codes (default: the app's outbox). */
  readCode?: (email: string) => Promise<string>;
  /**
   * In process: a conversation the test made with `app.chat(channelId)`, to be shown as that
   * channel shows options or to watch its activities (default: a new terminal one).
   */
  conversation?: TestConversation;
}

/** Whether one of `messages` says the locale key (its text, {{variables}} standing for anything). */
export const says = (messages: string[], key: string) => messages.some((m) => sayingsIn(m).some((s) => s.key === key));

/** A person talking to `app` on `channel`. WhatsApp needs the app started with a Twilio stand-in. */
export async function chatOn(channel: ChannelName, app: TestApp, options: ChatOptions = {}): Promise<Chat> {
  const chat = await open[channel](app, options);
  const say = chat.say;
  chat.say = (text, attached) => {
    if (attached && channel !== 'whatsapp') throw new Error(`only WhatsApp messages carry media, not ${channel}`);
    return say(text, attached);
  };
  const read = () => [...chat.turns, ...chat.later()];
  return {
    channel,
    ...chat,
    read,
    code: options.readCode ?? ((email) => app.code(email)),
    setKey: (token, key) => setNewKey(app.url, token, key),
  };
}

type ChannelChat = Pick<Chat, 'opening' | 'say' | 'later' | 'waitLater' | 'close' | 'away' | 'directLine'> & { turns: string[] };

/** How many activities the server's log of a conversation holds, read beside the server as it keeps it. */
function logLength(app: TestApp, conversationId: string) {
  const log = new ConversationLog(app.app.stores.kv, app.config.STATE_TTL_SECONDS * 1000, app.config.SERVER_SECRET);
  return async (atLeast: number) => {
    let length = atLeast;
    while (await log.isFull(conversationId, length + 1)) length += 1;
    return length;
  };
}

let phones = 0;

const open: Record<ChannelName, (app: TestApp, options: ChatOptions) => Promise<ChannelChat>> = {
  /** The in-process channel, as the terminal chat: options as a numbered list. */
  async inprocess(app, { locale, conversation = app.chat('console', locale) }) {
    const turns: string[] = [];
    return {
      turns,
      opening: async () => [],
      async say(text) {
        const replies = await conversation.say(text);
        turns.push(...replies);
        return replies;
      },
      later: () => conversation.later,
      waitLater: async (match) => {
        await until(() => conversation.later.some(match), 'a message after the turn');
      },
      close: async () => undefined,
    };
  },

  /** The web chat: our Direct Line server through the official client. */
  async directline(app, { webSocket = true, locale = 'es-EC', instances }) {
    if (instances) return restPage(app, instances, locale);
    installBrowserGlobals();
    // Loaded here: a suite that chats on other channels does not pay for the client.
    const { DirectLine } = await import('botframework-directlinejs');
    const issued = await requestToken(app.url, {}, locale);
    const seen: Activity[] = [];
    const connect = (options: { token: string; conversationId?: string; watermark?: string }) => {
      // The page speaks to the app itself, whatever public address it was given.
      const domain = issued.domain.replace(/^https?:\/\/[^/]+/, app.url);
      const client = new DirectLine({ domain, webSocket, pollingInterval: 200, ...options });
      return { client, subscription: client.activity$.subscribe((a) => seen.push(a)) };
    };
    let { client, subscription } = connect({ token: issued.token });
    const fromBot = () => seen.filter((a): a is Message => a.type === 'message' && a.from.role === 'bot');
    const turns: string[] = [];
    const laterTexts: string[] = [];
    let read = 0;
    let sent = 0;
    let inTurn = false;

    // Read beside the server, as it keeps it; asking over HTTP would use up a link's one delivery.
    const length = logLength(app, issued.conversationId);
    /** The server's newest activity id: the client has everything once it has seen that one. */
    const newestId = async () => {
      const n = await length(
        1 + Math.max(-1, ...seen.map((a) => (a.id?.startsWith(`${issued.conversationId}|`) ? Number(a.id.split('|')[1]) : -1))),
      );
      return n ? activityId(issued.conversationId, n - 1) : undefined;
    };
    const catchUp = async () => {
      const id = await newestId();
      await until(() => !id || seen.some((a) => a.id === id), 'the web chat to receive the replies');
      const fresh = fromBot()
        .slice(read)
        .map((m) => readableText(m as never));
      read = fromBot().length;
      return fresh;
    };

    return {
      turns,
      directLine: { conversationId: issued.conversationId, token: issued.token },
      opening: async () => {
        await until(() => fromBot().length > 0, 'the greeting');
        const greeting = await catchUp();
        turns.push(...greeting);
        return greeting;
      },
      async say(text) {
        laterTexts.push(...(await catchUp()));
        inTurn = true;
        const clientActivityID = `person-${++sent}`;
        await new Promise<string>((resolve, reject) =>
          client
            .postActivity({ type: 'message', from: { id: 'person' }, text, channelData: { clientActivityID } })
            .subscribe({ next: resolve, error: reject }),
        );
        // The server answers the post once the turn has run: its replies are in the log by now.
        const replies = await catchUp();
        inTurn = false;
        turns.push(...replies);
        return replies;
      },
      later: () => laterTexts,
      async waitLater(match) {
        await until(
          () =>
            !inTurn &&
            fromBot()
              .slice(read)
              .some((m) => match(readableText(m as never))),
          'a message after the turn',
        );
        laterTexts.push(...(await catchUp()));
      },
      async away(work) {
        const lastId = seen.filter((a) => a.id?.includes('|')).at(-1)?.id ?? '|-1';
        const watermark = String(Number(lastId.split('|')[1]) + 1);
        const token = (client as unknown as { token: string }).token;
        subscription.unsubscribe();
        client.end();
        const result = await work();
        ({ client, subscription } = connect({ token, conversationId: issued.conversationId, watermark }));
        return result;
      },
      async close() {
        subscription.unsubscribe();
        client.end();
      },
    };
  },

  /** WhatsApp: signed Twilio webhooks in, the replies the twilio client sends recorded by the stand-in. */
  async whatsapp(app, { phone = `+5939${String(70_000_000 + ++phones + process.pid * 1000).slice(-8)}`, instances = [app] }) {
    const twilio = app.twilio;
    if (!twilio) throw new Error('a WhatsApp chat needs the app started with a Twilio stand-in (parts.twilio)');
    const user = `whatsapp:${phone}`;
    const turns: string[] = [];
    let turn = 0;
    const laterTexts: string[] = [];
    let read = 0;
    const fresh = () => {
      const bodies = twilio.bodiesTo(user);
      const out = bodies.slice(read);
      read = bodies.length;
      return out;
    };
    return {
      turns,
      opening: async () => [],
      async say(text, attached = {}) {
        laterTexts.push(...fresh());
        const sent = twilio.receive(inbound(user, text, attached.fields), attached.media);
        const to = instances[turn++ % instances.length];
        const response = await postSigned(to.url, '/api/whatsapp', sent);
        if (response.status !== 200) throw new Error(`the webhook answered ${response.status}`);
        // Twilio is answered at once and the turn runs after; draining the channel waits for it and its reply.
        await to.app.gateways.drain(20_000);
        const replies = fresh();
        turns.push(...replies);
        return replies;
      },
      later: () => laterTexts,
      async waitLater(match) {
        await until(() => twilio.bodiesTo(user).slice(read).some(match), 'a message after the turn');
        laterTexts.push(...fresh());
      },
      close: async () => undefined,
    };
  },

  /**
   * The Bot Framework path (Azure Bot Service, the Emulator): activities posted to
   * /api/messages with deliveryMode expectReplies, the replies in the response; what the bot
   * says later (the key changed) is posted to the serviceUrl, a local stand-in for the
   * connector's "send to conversation" route.
   */
  async api(app, { locale = 'es-EC', instances = [app] }) {
    const turns: string[] = [];
    const laterTexts: string[] = [];
    const conversation = `api-${randomUUID()}`;
    const connector = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        // Only this person's conversation is known here: a message for another one is lost, and shows.
        if (req.method === 'POST' && req.url?.startsWith(`/v3/conversations/${encodeURIComponent(conversation)}/activities`)) {
          const activity = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
          if (activity.type === 'message') laterTexts.push(readableText(activity));
          res.writeHead(200, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify({ id: randomUUID() }));
        } else {
          res.writeHead(404);
          res.end();
        }
      });
    });
    await new Promise<void>((resolve) => connector.listen(0, '127.0.0.1', resolve));
    const serviceUrl = `http://127.0.0.1:${(connector.address() as AddressInfo).port}`;
    let turn = 0;
    return {
      turns,
      opening: async () => [],
      async say(text) {
        const to = instances[turn++ % instances.length];
        const response = await fetch(`${to.url}/api/messages`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(botFrameworkMessage({ text, locale, serviceUrl, conversation: { id: conversation } })),
        });
        if (response.status !== 200) throw new Error(`/api/messages answered ${response.status}`);
        const { activities } = (await response.json()) as { activities: Partial<Activity>[] };
        const replies = activities.filter((a) => a.type === 'message').map((a) => readableText(a as never));
        turns.push(...replies);
        return replies;
      },
      later: () => laterTexts,
      waitLater: async (match) => {
        await until(() => laterTexts.some(match), 'a message after the turn');
      },
      async close() {
        connector.closeAllConnections();
        await new Promise<void>((resolve) => connector.close(() => resolve()));
      },
    };
  },
};

/** One activity as GET /activities returns it, the fields read here. */
interface LoggedActivity {
  id?: string;
  type?: string;
  from?: { role?: string };
}

/**
 * A web chat page speaking the Direct Line REST API by hand to whichever instance the load
 * balancer picks: message n is posted to instances[n] and its replies read from instances[n + 1]
 * (round the list), what comes between turns from instances[0], with one watermark for all.
 */
async function restPage(app: TestApp, instances: TestApp[], locale: string): Promise<ChannelChat> {
  const { token, conversationId } = await requestToken(app.url, {}, locale);
  const headers = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' };
  const activities = (baseUrl: string) => `${baseUrl}/v3/directline/conversations/${encodeURIComponent(conversationId)}/activities`;
  const started = await fetch(`${app.url}/v3/directline/conversations`, { method: 'POST', headers, body: '{}' });
  if (started.status !== 201) throw new Error(`starting the conversation answered ${started.status}`);
  const length = logLength(app, conversationId);
  const turns: string[] = [];
  const laterTexts: string[] = [];
  let watermark = 0;
  let turn = 0;

  /** One GET from the watermark on `to`; the bot's messages in it, the watermark moved past them. */
  const read = async (to: TestApp): Promise<string[]> => {
    const response = await fetch(`${activities(to.url)}?watermark=${watermark}`, { headers });
    if (response.status !== 200) throw new Error(`GET activities on ${to.url} answered ${response.status}`);
    const page = (await response.json()) as { activities: LoggedActivity[]; watermark: string };
    // Ids carry the place in the log and the watermark counts them, whichever instance wrote or reads it.
    const expected = page.activities.map((_, i) => activityId(conversationId, watermark + i));
    const ids = page.activities.map((a) => a.id);
    if (Number(page.watermark) !== watermark + ids.length || ids.some((id, i) => id !== expected[i]))
      throw new Error(`${to.url} answered watermark ${page.watermark} and ids ${ids.join(', ')} after watermark ${watermark}`);
    watermark = Number(page.watermark);
    return page.activities.filter((a) => a.type === 'message' && a.from?.role === 'bot').map((a) => readableText(a as never));
  };
  /** Reads from `to` until the page has the whole log as it stands. */
  const catchUp = async (to: TestApp): Promise<string[]> => {
    const fresh: string[] = [];
    const end = await length(watermark);
    while (watermark < end) fresh.push(...(await read(to)));
    return fresh;
  };

  return {
    turns,
    directLine: { conversationId, token },
    opening: async () => {
      await untilAsync(async () => length(0), 'the greeting');
      const greeting = await catchUp(instances[0]);
      turns.push(...greeting);
      return greeting;
    },
    async say(text) {
      laterTexts.push(...(await catchUp(instances[0])));
      const [postTo, readFrom] = [instances[turn % instances.length], instances[(turn + 1) % instances.length]];
      turn += 1;
      const posted = await fetch(activities(postTo.url), {
        method: 'POST',
        headers,
        body: JSON.stringify({
          type: 'message',
          from: { id: 'person' },
          text,
          locale,
          channelData: { clientActivityID: `person-${turn}` },
        }),
      });
      if (posted.status !== 200) throw new Error(`POST «${text}» to ${postTo.url} answered ${posted.status}`);
      // The instance answers the post once the turn has run: its replies are in the shared log by now.
      const replies = await catchUp(readFrom);
      turns.push(...replies);
      return replies;
    },
    later: () => laterTexts,
    async waitLater(match) {
      await untilAsync(async () => {
        laterTexts.push(...(await catchUp(instances[0])));
        return laterTexts.some(match);
      }, 'a message after the turn');
    },
    close: async () => undefined,
  };
}
