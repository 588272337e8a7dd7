import { Texts } from '../../src/i18n';
import { type Activity, ActivityHandler, MessageFactory, type TurnContext } from 'botbuilder';
import { type Activity as PageActivity, DirectLine, type Message } from 'botframework-directlinejs';
import { createRequire } from 'node:module';
import restify from 'restify';
import { WebSocket } from 'ws';
import { registerDirectLine } from '../../src/channels/directline';
import type { ChannelDeps, ChannelGateway } from '../../src/channels/types';
import { type Config, testConfig } from '../../src/config';
import { createLogger } from '../../src/log';
import { createMetrics } from '../../src/metrics';
import { MemoryKeyValueStore } from '../../src/store/memoryKeyValue';
import { limiterStore } from '../../src/recovery/limits';
import { until } from '../helpers/wait';

/**
 * The official client runs in Node as in a browser: XMLHttpRequest from xhr2 (what the
 * Bot Framework samples use) and WebSocket from ws, set before a DirectLine is built.
 */
export function installBrowserGlobals(): void {
  const require = createRequire(import.meta.url);
  const g = globalThis as Record<string, unknown>;
  g.XMLHttpRequest ??= require('xhr2');
  g.WebSocket ??= WebSocket;
}

/** A small bot that greets, echoes, and counts what reached it. */
export class EchoBot extends ActivityHandler {
  readonly received: Partial<Activity>[] = [];

  constructor() {
    super();
    this.onMembersAdded(async (context, next) => {
      await context.sendActivity(MessageFactory.suggestedActions(['uno', 'dos'], 'Hola, ¿en qué te ayudo?'));
      await next();
    });
    this.onMessage(async (context, next) => {
      this.received.push(context.activity);
      await context.sendActivity({ type: 'typing' });
      await context.sendActivity(`eco: ${context.activity.text ?? ''}`);
      await next();
    });
    this.onEvent(async (context, next) => {
      this.received.push(context.activity);
      await next();
    });
  }
}

export interface DirectLineServer {
  url: string;
  config: Config;
  bot: EchoBot;
  store: MemoryKeyValueStore;
  gateway: ChannelGateway;
  /** WebSocket upgrade requests the server received. */
  upgrades: () => number;
  close(): Promise<void>;
}

/** Our Direct Line on 127.0.0.1:<free port> with the echo bot, a memory store and silent logs. */
export async function startDirectLineServer(
  env: Partial<Record<keyof Config, string>> = {},
  options: { keepAliveMs?: number; store?: MemoryKeyValueStore } = {},
): Promise<DirectLineServer> {
  const config = testConfig(env);
  const store = options.store ?? new MemoryKeyValueStore();
  const bot = new EchoBot();
  const server = restify.createServer({ handleUncaughtExceptions: false });
  const deps: ChannelDeps = {
    config,
    store,
    log: createLogger('silent'),
    metrics: createMetrics(),
    texts: new Texts(),
    limits: limiterStore(config),
    bot: { run: (context: TurnContext) => bot.run(context) },
  };
  const gateway = registerDirectLine(server, deps, options);
  let upgrades = 0;
  server.server.on('upgrade', () => upgrades++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    config,
    bot,
    store,
    gateway,
    upgrades: () => upgrades,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.server.closeAllConnections?.();
      });
      await store.close();
    },
  };
}

export interface WebchatToken {
  conversationId: string;
  token: string;
  expiresIn: number;
  userId: string;
  domain: string;
}

/** What the widget page does first: ask our server for a token. */
export async function requestToken(url: string, headers: Record<string, string> = {}): Promise<WebchatToken> {
  const res = await fetch(`${url}/api/webchat/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify({ locale: 'es-EC' }),
  });
  if (res.status !== 200) throw new Error(`token request answered ${res.status}`);
  return (await res.json()) as WebchatToken;
}

/** Folds accents and case, as a reader does when skimming for a phrase. */
export const fold = (s: string) =>
  s
    .normalize('NFD')
    .replace(/\p{Diacritic}/gu, '')
    .toLowerCase();

/** A page speaking to the whole app through the official client, the way Web Chat does. */
export class Page {
  readonly seen: PageActivity[] = [];
  private readonly client: DirectLine;
  private readonly subscription: { unsubscribe(): void };
  private sent = 0;

  constructor(options: ConstructorParameters<typeof DirectLine>[0]) {
    this.client = new DirectLine({ pollingInterval: 200, ...options });
    this.subscription = this.client.activity$.subscribe((activity) => this.seen.push(activity));
  }

  private botMessages(): Message[] {
    return this.seen.filter((a): a is Message => a.type === 'message' && a.from.role === 'bot');
  }

  /** Waits for a bot message after the first `after` that contains `phrase`, and returns it. */
  async expectBot(phrase: string, after: number): Promise<Message> {
    return until(
      () =>
        this.botMessages()
          .slice(after)
          .find((m) => fold(m.text ?? '').includes(fold(phrase))),
      `the bot to say "${phrase}"; it said:\n${this.botMessages()
        .map((m) => m.text)
        .join('\n---\n')}`,
      15_000,
    );
  }

  /** Sends a message (as Web Chat does, with a clientActivityID) and waits for its echo. */
  async say(text: string): Promise<number> {
    const before = this.botMessages().length;
    const clientActivityID = `client-${++this.sent}`;
    await new Promise<string>((resolve, reject) =>
      this.client
        .postActivity({ type: 'message', from: { id: 'page' }, text, channelData: { clientActivityID } })
        .subscribe({ next: resolve, error: reject }),
    );
    await until(
      () => this.seen.find((a) => (a.channelData as { clientActivityID?: string })?.clientActivityID === clientActivityID),
      'the echo',
    );
    return before;
  }

  /** The button (suggested action) on `message` whose title is one of `titles`. */
  static button(message: Message, titles: string[]): string {
    const action = message.suggestedActions?.actions.find((a) => titles.map(fold).includes(fold(a.title ?? '')));
    if (!action) throw new Error(`no button among ${titles.join(', ')} on: ${message.text}`);
    return String(action.value ?? action.title);
  }

  get token(): string {
    return (this.client as unknown as { token: string }).token;
  }

  end() {
    this.subscription.unsubscribe();
    this.client.end();
  }
}
