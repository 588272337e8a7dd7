import { type Activity, DirectLine, type Message } from 'botframework-directlinejs';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readableText } from '../../../src/channels/inProcess';
import { latestCodeFor } from '../../../src/recovery/mail';
import { startTestApp, type TestApp, type TestConversation } from '../../helpers/app';
import { FakeTwilio } from '../../helpers/fakeTwilio';
import { installBrowserGlobals, until } from '../../directline/harness';
import { ACCOUNT_SID, AUTH_TOKEN, inbound, postSigned, whatsappEnv } from '../../whatsapp/webhooks';
import { setNewKey } from '../../helpers/demo';

export type ChannelName = 'inprocess' | 'directline' | 'whatsapp' | 'api';

/** One person's chat on one channel: what they write in, what they read back (one string per bot message). */
export interface Chat {
  /** Messages the bot sent before the person wrote anything (the web chat greets on opening). */
  opening(): Promise<string[]>;
  say(text: string): Promise<string[]>;
  /** Messages that arrived outside a turn (the key changed, an agent), in order. */
  later(): string[];
  /** Waits until a later message matches. */
  waitLater(match: (text: string) => boolean): Promise<void>;
  code(email: string): Promise<string>;
  setKey(token: string, key: string): Promise<number>;
  close(): Promise<void>;
}

/**
 * The app each person talks to: human agents configured and on duty (so "una persona" can be
 * reached), a one-second wait between codes (a person asking for a new code is not held a
 * minute), emails in a private outbox.
 */
async function appFor(env: Record<string, string>, agents: string): Promise<TestApp> {
  return startTestApp({ AGENTS: agents, SERVICE_HOURS: '', CODE_RESEND_SECONDS: '1', ...env });
}

async function codeFrom(app: TestApp, email: string): Promise<string> {
  await app.mailSent();
  const code = await latestCodeFor(app.outbox, email);
  if (!code) throw new Error(`no code in the outbox for ${email}`);
  return code;
}

/** The in-process channel, as the terminal chat: options as a numbered list. */
export async function inProcessChat(agents: string): Promise<Chat> {
  const app = await appFor({}, agents);
  const conversation: TestConversation = app.chat('console');
  return {
    opening: async () => [],
    say: (text) => conversation.say(text),
    later: () => conversation.later,
    waitLater: async (match) => {
      await until(() => conversation.later.some(match), 'a message after the turn');
    },
    code: (email) => codeFrom(app, email),
    setKey: (token, key) => setNewKey(app.url, token, key),
    close: () => app.close(),
  };
}

/** The web chat: our Direct Line server through the official client, over WebSocket. */
export async function directLineChat(agents: string): Promise<Chat> {
  installBrowserGlobals();
  const app = await appFor({}, agents);
  const issued = (await (await fetch(`${app.url}/api/webchat/token`, { method: 'POST', body: '{"locale":"es-EC"}' })).json()) as {
    token: string;
    conversationId: string;
    domain: string;
  };
  const client = new DirectLine({ domain: issued.domain, token: issued.token, webSocket: true });
  const seen: Activity[] = [];
  const subscription = client.activity$.subscribe((a) => seen.push(a));
  const fromBot = () => seen.filter((a): a is Message => a.type === 'message' && a.from.role === 'bot');
  let read = 0;
  let sent = 0;
  let inTurn = false;
  const laterTexts: string[] = [];

  /** The server's newest activity id: the client has everything once it has seen that one. */
  const newestId = async () => {
    const res = await fetch(`${issued.domain}/conversations/${issued.conversationId}/activities`, {
      headers: { Authorization: `Bearer ${issued.token}` },
    });
    const body = (await res.json()) as { activities: { id: string }[] };
    return body.activities.at(-1)?.id;
  };
  const catchUp = async () => {
    const id = await newestId();
    await until(() => !id || seen.some((a) => a.id === id), 'the web chat to receive the replies');
    const fresh = fromBot().slice(read).map((m) => readableText(m as never));
    read = fromBot().length;
    return fresh;
  };

  return {
    opening: async () => {
      await until(() => fromBot().length > 0, 'the greeting');
      return catchUp();
    },
    async say(text) {
      const before = await catchUp();
      laterTexts.push(...before);
      inTurn = true;
      const clientActivityID = `person-${++sent}`;
      await new Promise<string>((resolve, reject) =>
        client
          .postActivity({ type: 'message', from: { id: 'person' }, text, channelData: { clientActivityID } } as Message)
          .subscribe({ next: resolve, error: reject }),
      );
      // The server answers the post once the turn has run: its replies are in the log by now.
      const replies = await catchUp();
      inTurn = false;
      return replies;
    },
    later: () => laterTexts,
    async waitLater(match) {
      await until(() => !inTurn && fromBot().slice(read).some((m) => match(readableText(m as never))), 'a message after the turn');
      laterTexts.push(...(await catchUp()));
    },
    code: (email) => codeFrom(app, email),
    setKey: (token, key) => setNewKey(app.url, token, key),
    async close() {
      subscription.unsubscribe();
      client.end();
      await app.close();
    },
  };
}

/** WhatsApp: signed Twilio webhooks in, the replies the twilio client sends recorded by a stand-in. */
export async function whatsAppChat(agents: string, phone: string): Promise<Chat> {
  const twilio = await FakeTwilio.start(ACCOUNT_SID, AUTH_TOKEN);
  const app = await appFor(whatsappEnv(twilio.url), agents);
  const user = `whatsapp:${phone}`;
  let read = 0;
  const laterTexts: string[] = [];
  const fresh = () => {
    const bodies = twilio.bodiesTo(user);
    const out = bodies.slice(read);
    read = bodies.length;
    return out;
  };
  return {
    opening: async () => [],
    async say(text) {
      laterTexts.push(...fresh());
      const response = await postSigned(app.url, '/api/whatsapp', inbound(user, text));
      if (response.status !== 200) throw new Error(`the webhook answered ${response.status}`);
      // Twilio is answered at once and the turn runs after; draining the channel waits for it and its reply.
      await app.app.gateways.drain(20_000);
      return fresh();
    },
    later: () => laterTexts,
    async waitLater(match) {
      await until(() => twilio.bodiesTo(user).slice(read).some(match), 'a message after the turn');
      laterTexts.push(...fresh());
    },
    code: (email) => codeFrom(app, email),
    setKey: (token, key) => setNewKey(app.url, token, key),
    async close() {
      await app.close();
      await twilio.close();
    },
  };
}

/**
 * The Bot Framework path (Azure Bot Service, the Emulator): activities posted to
 * /api/messages with deliveryMode expectReplies, the replies in the response; what the bot
 * says later (the key changed) is posted to the serviceUrl, a local stand-in for the
 * connector's "send to conversation" route.
 */
export async function apiMessagesChat(agents: string): Promise<Chat> {
  const app = await appFor({}, agents);
  const laterTexts: string[] = [];
  const connector = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method === 'POST' && /^\/v3\/conversations\/[^/]+\/activities/.test(req.url ?? '')) {
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
  const conversation = `api-${randomUUID()}`;
  return {
    opening: async () => [],
    async say(text) {
      const response = await fetch(`${app.url}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          type: 'message',
          id: randomUUID(),
          text,
          locale: 'es-EC',
          channelId: 'emulator',
          serviceUrl,
          from: { id: 'person', role: 'user' },
          recipient: { id: 'bot' },
          conversation: { id: conversation },
          deliveryMode: 'expectReplies',
        }),
      });
      if (response.status !== 200) throw new Error(`/api/messages answered ${response.status}`);
      const { activities } = (await response.json()) as { activities: Partial<Activity>[] };
      return activities.filter((a) => a.type === 'message').map((a) => readableText(a as never));
    },
    later: () => laterTexts,
    waitLater: async (match) => {
      await until(() => laterTexts.some(match), 'a message after the turn');
    },
    code: (email) => codeFrom(app, email),
    setKey: (token, key) => setNewKey(app.url, token, key),
    async close() {
      await app.close();
      connector.closeAllConnections();
      await new Promise<void>((resolve) => connector.close(() => resolve()));
    },
  };
}
