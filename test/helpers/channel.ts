import {
  type Activity,
  ActionTypes,
  ActivityHandler,
  ConversationState,
  MemoryStorage,
  MessageFactory,
  type TurnContext,
} from 'botbuilder';
import { createRequire } from 'node:module';
import { Writable } from 'node:stream';
import restify from 'restify';
import { WebSocket } from 'ws';
import { TurnQueue } from '../../src/bot/turnQueue';
import type { DirectLineOptions } from '../../src/channels/directline';
import type { Channel, ChannelDeps, ConversationTurns } from '../../src/channels/types';
import { type Config, testConfig } from '../../src/config';
import { Texts } from '../../src/i18n';
import { createLogger } from '../../src/log';
import { createMetrics } from '../../src/metrics';
import { limiterStore } from '../../src/recovery/limits';
import type { KeyValueStore } from '../../src/store/keyValue';
import { MemoryKeyValueStore } from '../../src/store/memoryKeyValue';
import type { FakeTwilio } from './fakeTwilio';

/**
 * A channel alone on a free port, in front of a small bot instead of the app: the channel's
 * own tests check its wire format, turn order and limits without the dialogs. The channel
 * gets what the app would give it (configuration, a store, logs, metrics, texts, limits) and
 * the app's turn order (the bot's queue) in front of `turn`.
 */
export type ChannelUnderTest = Awaited<ReturnType<typeof startChannel>>;

export interface ChannelOptions {
  env?: Partial<Record<keyof Config, string>>;
  /** A shared store (Redis) standing for several instances; the default is memory with a movable clock. */
  store?: KeyValueStore;
}

export async function startChannel(
  create: (deps: ChannelDeps<Config>) => Channel<ConversationTurns>,
  turn: (context: TurnContext) => Promise<void>,
  { env = {}, store: shared }: ChannelOptions = {},
) {
  let now = Date.now();
  const memory = new MemoryKeyValueStore(() => now);
  const store = shared ?? memory;
  const logLines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logLines.push(chunk.toString());
      done();
    },
  });
  const config = testConfig(env);
  const metrics = createMetrics();
  const turns = new TurnQueue();
  /** Messages handed to the turn order, by `channel/conversation`: what has arrived, run or waiting. */
  const queued = new Map<string, number>();
  const inOrder = <T>(key: string, work: () => Promise<T>) => {
    queued.set(key, (queued.get(key) ?? 0) + 1);
    return turns.run(key, work);
  };
  const server = restify.createServer({ handleUncaughtExceptions: false });
  const channel = create({ config, store, log: createLogger('info', sink), metrics, texts: new Texts(), limits: limiterStore(config) });
  channel.listen(server, {
    run: (context) => inOrder(`${context.activity.channelId}/${context.activity.conversation.id}`, () => turn(context)),
    inOrder: (channelId, conversationId, work) => inOrder(`${channelId}/${conversationId}`, () => work(turn)),
  });
  const gateway = channel.gateway;
  let upgrades = 0;
  server.server.on('upgrade', () => upgrades++);
  server.get('/healthz', async (_req: restify.Request, res: restify.Response) => {
    res.send(200, { ok: true });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

  return {
    url: `http://127.0.0.1:${server.address().port}`,
    config,
    gateway,
    metrics,
    logLines,
    /** WebSocket upgrade requests the server received. */
    upgrades: () => upgrades,
    /** How many messages of `conversationId` on `channelId` reached the turn order so far. */
    queued: (channelId: string, conversationId: string) => queued.get(`${channelId}/${conversationId}`) ?? 0,
    /** Moves the memory store's clock (windows and time limits live there). */
    advance(ms: number) {
      now += ms;
    },
    async metric(name: string) {
      return (await metrics.registry.getSingleMetricAsString(name)) ?? '';
    },
    async close() {
      server.server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await memory.close();
    },
  };
}

export const LONG_ANSWER = Array.from(
  { length: 70 },
  (_, i) => `${i % 7 === 6 ? '\n\n' : ''}Respuesta larga, oración ${i + 1}: el asistente explica el trámite con calma y en detalle.`,
).join(' ');

/**
 * A small bot that numbers each message in conversation state (so a lost update shows) and
 * answers with choices, long text or bold when asked. A message starting with «espera» waits
 * on `gate` between reading the count and writing it: a turn let in beside it would read the
 * same count. It does not order turns itself: the turn order in front of it must.
 */
export class CountingBot extends ActivityHandler {
  gate?: Promise<void>;
  private readonly state = new ConversationState(new MemoryStorage());

  constructor() {
    super();
    const count = this.state.createProperty<number>('count');
    this.onMessage(async (context, next) => {
      const seen = (await count.get(context, 0)) + 1;
      if (context.activity.text?.startsWith('espera')) await this.gate;
      await count.set(context, seen);
      await context.sendActivity(this.answer(context.activity.text ?? '', seen));
      await next();
    });
  }

  private answer(text: string, seen: number) {
    if (text === 'opciones')
      return MessageFactory.suggestedActions(
        [
          { type: ActionTypes.ImBack, title: 'Recuperar mi clave', value: 'Recuperar mi clave' },
          { type: ActionTypes.ImBack, title: 'Clave patronal', value: 'Clave patronal' },
        ],
        '¿Qué necesitas?',
      );
    if (text === 'largo') return LONG_ANSWER;
    if (text === 'negrita') return 'Revisa **Spam** y la pestaña **Promociones**.';
    return `${seen}: ${text}`;
  }

  /** Holds every «espera» message until the returned function is called. */
  hold(): () => void {
    let release!: () => void;
    this.gate = new Promise((resolve) => (release = resolve));
    return release;
  }

  async runTurn(context: TurnContext) {
    await this.run(context);
    await this.state.saveChanges(context);
  }
}

export type WhatsAppChannel = Awaited<ReturnType<typeof startWhatsAppChannel>>;

/**
 * The real WhatsApp channel alone, in front of a `CountingBot`, against a Twilio stand-in
 * (`twilio`: a shared one, for instances that share a store; otherwise a new one, closed with it).
 */
export async function startWhatsAppChannel(options: ChannelOptions & { twilio?: FakeTwilio } = {}) {
  // Imported here, so that a Direct Line suite does not load twilio (and the other way round).
  const [{ createWhatsAppChannel }, { FakeTwilio }, { ACCOUNT_SID, AUTH_TOKEN, whatsappEnv }] = await Promise.all([
    import('../../src/channels/whatsapp'),
    import('./fakeTwilio'),
    import('../whatsapp/webhooks'),
  ]);
  const twilio = options.twilio ?? (await FakeTwilio.start(ACCOUNT_SID, AUTH_TOKEN));
  const bot = new CountingBot();
  /** What the channel reported as not delivered: [to, error code]. */
  const deliveryFailures: Array<[string, string]> = [];
  const channel = await startChannel(
    (deps) => createWhatsAppChannel(deps, async (to, errorCode) => void deliveryFailures.push([to, errorCode])),
    (context) => bot.runTurn(context),
    { ...options, env: { ...whatsappEnv(twilio.url), ...options.env } },
  );
  return {
    ...channel,
    twilio,
    bot,
    deliveryFailures,
    async close() {
      await channel.close();
      if (!options.twilio) await twilio.close();
    },
  };
}

/** A small bot that greets with two buttons, echoes, and keeps what reached it. */
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

export type TestDirectLine = Awaited<ReturnType<typeof startDirectLine>>;

/** Our Direct Line alone with the echo bot (a memory store unless `store` is given). */
export async function startDirectLine(
  env: Partial<Record<keyof Config, string>> = {},
  options: DirectLineOptions & { store?: KeyValueStore } = {},
) {
  // Imported here, so that a WhatsApp suite does not load Direct Line (and the other way round).
  const { createDirectLineChannel } = await import('../../src/channels/directline');
  const bot = new EchoBot();
  const channel = await startChannel(
    (deps) => createDirectLineChannel(deps, options),
    (context) => bot.run(context),
    { env, store: options.store },
  );
  return { ...channel, bot };
}

/**
 * The official Direct Line client runs in Node as in a browser: XMLHttpRequest from xhr2 (what
 * the Bot Framework samples use) and WebSocket from ws, set before a DirectLine is built.
 */
export function installBrowserGlobals(): void {
  const require = createRequire(import.meta.url);
  const g = globalThis as Record<string, unknown>;
  g.XMLHttpRequest ??= require('xhr2');
  g.WebSocket ??= WebSocket;
}

export interface WebchatToken {
  conversationId: string;
  token: string;
  expiresIn: number;
  userId: string;
  domain: string;
}

/** What the widget page does first: ask our server for a token (for a conversation in `locale`). */
export async function requestToken(url: string, headers: Record<string, string> = {}, locale = 'es-EC'): Promise<WebchatToken> {
  const res = await fetch(`${url}/api/webchat/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify({ locale }),
  });
  if (res.status !== 200) throw new Error(`token request answered ${res.status}`);
  return (await res.json()) as WebchatToken;
}
