import { Texts } from '../../src/i18n';
import { ActionTypes, ActivityHandler, ConversationState, MemoryStorage, MessageFactory, type TurnContext } from 'botbuilder';
import { Writable } from 'node:stream';
import restify from 'restify';
import { TurnQueue } from '../../src/bot/turnQueue';
import type { ChannelGateway } from '../../src/channels/types';
import { registerWhatsApp, type WhatsAppDeps } from '../../src/channels/whatsapp';
import { type Config, testConfig } from '../../src/config';
import { createLogger } from '../../src/log';
import { createMetrics } from '../../src/metrics';
import type { KeyValueStore } from '../../src/store/keyValue';
import { MemoryKeyValueStore } from '../../src/store/memoryKeyValue';
import { FakeTwilio } from '../helpers/fakeTwilio';
import { ACCOUNT_SID, AUTH_TOKEN, whatsappEnv } from './webhooks';
import { limiterStore } from '../../src/recovery/limits';

export const LONG_ANSWER = Array.from(
  { length: 70 },
  (_, i) => `${i % 7 === 6 ? '\n\n' : ''}Respuesta larga, oración ${i + 1}: el asistente explica el trámite con calma y en detalle.`,
).join(' ');

/**
 * A small bot behind the real WhatsApp channel: it numbers each message in conversation
 * state (so a lost update shows), can be held on a gate, and answers with choices, long
 * text or bold when asked. It does not serialise turns itself: the turn order in front of it (the
 * app's, held by the channel while it reads its own store) must.
 */
class CountingBot extends ActivityHandler {
  gate?: Promise<void>;

  constructor(private readonly state: ConversationState) {
    super();
    const count = state.createProperty<number>('count');
    this.onMessage(async (context, next) => {
      const seen = (await count.get(context, 0)) + 1;
      if (context.activity.text === 'espera') await this.gate;
      // A pause between reading and writing the state, as a real turn has.
      await new Promise((resolve) => setTimeout(resolve, 5));
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

  async runTurn(context: TurnContext) {
    await this.run(context);
    await this.state.saveChanges(context);
  }
}

export type Harness = Awaited<ReturnType<typeof startHarness>>;

/** `store`: a shared store (Redis) standing for several instances; the default is memory with a movable clock. */
export async function startHarness(env: Partial<Record<keyof Config, string>> = {}, shared?: KeyValueStore, sharedTwilio?: FakeTwilio) {
  const twilio = sharedTwilio ?? (await FakeTwilio.start(ACCOUNT_SID, AUTH_TOKEN));
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
  const config = testConfig({
    ...whatsappEnv(twilio.url),
    ...env,
  });
  const bot = new CountingBot(new ConversationState(new MemoryStorage()));
  const metrics = createMetrics();
  // The app's turn order (the bot's queue), here in front of the small bot.
  const turns = new TurnQueue();
  const deps: WhatsAppDeps = {
    config,
    store,
    log: createLogger('info', sink),
    metrics,
    texts: new Texts(),
    limits: limiterStore(config),
    bot: {
      run: (context) => turns.run(`whatsapp/${context.activity.conversation.id}`, () => bot.runTurn(context)),
      inOrder: (channelId, conversationId, work) =>
        turns.run(`${channelId}/${conversationId}`, () => work((context) => bot.runTurn(context))),
    },
  };
  const server = restify.createServer({ handleUncaughtExceptions: false });
  /** What the channel reported as not delivered: [to, error code]. */
  const deliveryFailures: Array<[string, string]> = [];
  const gateway: ChannelGateway = registerWhatsApp(server, deps, async (to, errorCode) => void deliveryFailures.push([to, errorCode]));
  server.get('/healthz', async (_req: restify.Request, res: restify.Response) => {
    res.send(200, { ok: true });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}`;

  return {
    url,
    twilio,
    bot,
    gateway,
    deliveryFailures,
    metrics,
    logLines,
    /** Moves the store's clock (the service window lives there). */
    advance(ms: number) {
      now += ms;
    },
    async metric(name: string) {
      return (await metrics.registry.getSingleMetricAsString(name)) ?? '';
    },
    async close() {
      server.server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (!sharedTwilio) await twilio.close();
      await memory.close();
    },
  };
}
