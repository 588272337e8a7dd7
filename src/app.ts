import { type ConversationReference, ConversationState, type TurnContext } from 'botbuilder';
import type { BotFrameworkAuthentication } from 'botframework-connector';
import restify from 'restify';
import { ProgressNotes } from '../dialogs/progress';
import type { DialogServices } from '../dialogs/services';
import { RecoveryBot } from './bot/bot';
import { ConversationLanguage } from './bot/language';
import { TurnQueue } from './bot/turnQueue';
import { addressLimit } from './channels/addressLimit';
import { registerBotFramework } from './channels/botframework';
import { registerDirectLine } from './channels/directline';
import { Gateways } from './channels/gateways';
import type { ChannelDeps } from './channels/types';
import { WHATSAPP_CHANNEL_ID, registerWhatsApp, whatsappConfigured } from './channels/whatsapp';
import { type Config, listenHost } from './config';
import { type Locale, Texts, factsFrom, pickLocale } from './i18n';
import { createLogger, type Logger } from './log';
import { createMetrics } from './metrics';
import { sharedRecognizer } from './nlu/recognizer';
import { createCodeService } from './recovery/codes';
import { createDirectory } from './recovery/directory';
import { createIdentityCheck } from './recovery/identityCheck';
import { createResetLinkService } from './recovery/links';
import { createRateLimits, limiterStore } from './recovery/limits';
import { createMailer } from './recovery/mail';
import type { AccountDirectory, Mailer, ResetLinkData } from './recovery/types';
import { createStores } from './store';
import { createLanguageGuesser, createRegisterReader, createUnderstanding } from './understanding';
import { registerNewKeyPage } from './web/newKeyPage';
import { createMetricsEndpoint } from './web/metricsEndpoint';
import { registerOutboxPage } from './web/outboxPage';
import { guardResponses } from './web/responses';
import { Handoff } from './handoff/service';
import { type PendingSurvey, Survey } from './survey';
import { registerAgentConsole } from './handoff/console';

/** Parts a test or a tool may replace. */
export interface AppOverrides {
  log?: Logger;
  directory?: AccountDirectory;
  mailer?: Mailer & { close?(): void };
  /** How /api/messages checks Bot Framework tokens (default: from the Microsoft app settings). */
  botFrameworkAuthentication?: BotFrameworkAuthentication;
}

export type App = Awaited<ReturnType<typeof createApp>>;

/** The composition root: every part built from the configuration, wired once. */
export async function createApp(config: Config, overrides: AppOverrides = {}) {
  const log = overrides.log ?? createLogger(config.LOG_LEVEL);
  const metrics = createMetrics();
  const texts = new Texts(factsFrom(config), config.TONE);
  const stores = createStores(config, log);
  await waitUntilReady(stores, log);
  const directory = overrides.directory ?? createDirectory(config);
  const mailer = overrides.mailer ?? createMailer(config, texts, log);
  // Every rate limit counts here: in Redis when configured, so all instances count together.
  const counters = limiterStore(config, stores.redis);
  const limits = createRateLimits(config, counters);
  const links = createResetLinkService({ store: stores.kv, config });
  // Trained once per process: every app built in it (tests build many) reads the same examples.
  const nlu = await sharedRecognizer();
  const understanding = createUnderstanding(nlu, texts);
  const conversationState = new ConversationState(stores.storage);
  const language = new ConversationLanguage(conversationState, createLanguageGuesser(texts), config.DEFAULT_LOCALE, createRegisterReader(texts));

  const services: DialogServices = {
    config,
    texts,
    log,
    metrics,
    understanding,
    language,
    identity: createIdentityCheck(
      directory,
      config.SERVER_SECRET,
      undefined,
      config.IDENTITY_CHECK_MIN_MS ?? (config.DIRECTORY === 'http' ? 1200 : 0),
    ),
    codes: createCodeService({ store: stores.kv, mailer, limits, config }),
    links,
    limits,
    progress: new ProgressNotes(conversationState),
    tellLater,
  };
  const bot = new RecoveryBot(conversationState, services, new TurnQueue(stores.lock), language);
  bot.survey = new Survey({
    flow: 'recovery',
    store: stores.kv,
    texts,
    metrics,
    pending: conversationState.createProperty<PendingSurvey | undefined>('recoverySurvey'),
    keepMs: config.TRANSCRIPT_TTL_SECONDS * 1000,
    answerMs: config.STATE_TTL_SECONDS * 1000,
    defaultLocale: config.DEFAULT_LOCALE,
    now: Date.now,
  });

  const server = restify.createServer({ name: 'iess-clave', handleUncaughtExceptions: false });
  guardResponses(server, { config, log });

  server.use(addressLimit({ config, limits: counters }));
  const deps: ChannelDeps = { config, store: stores.kv, log, metrics, texts, bot, limits: counters };
  const gateways = new Gateways();
  const botFramework = registerBotFramework(server, deps, gateways, overrides.botFrameworkAuthentication);
  if (botFramework) gateways.register(botFramework);
  gateways.register(registerDirectLine(server, deps));
  const whatsapp = whatsappConfigured(config) ? registerWhatsApp(server, deps) : undefined;
  if (whatsapp) gateways.register(whatsapp);

  // Human handoff: tickets, the relay while an agent serves, the transcript, the console.
  const handoff = new Handoff({ config, store: stores.kv, texts, log, metrics, progress: services.progress, conversationState, gateways, bot });
  // Without agents (or event mode) nobody can take a ticket: no transcript is kept (data
  // minimisation), no ticket is looked up, and the bot explains the other ways to get help.
  if (handoff.enabled) {
    bot.recorder = { attach: (context) => handoff.attachRecorder(context) };
    bot.interceptor = handoff;
    services.handoff = handoff.open;
    if (whatsapp) whatsapp.onDeliveryFailure = (to, errorCode) => handoff.deliveryFailed(WHATSAPP_CHANNEL_ID, to, errorCode);
  }
  // No agents, no console: /agent does not exist rather than offer a sign-in nobody can pass.
  if (handoff.agents.size > 0) await registerAgentConsole(server, { config, handoff, texts, log, limits: counters });

  /** Says one line from locales to a conversation later, inside its turn order. */
  async function tellLater(reference: Partial<ConversationReference>, locale: Locale, key: string): Promise<void> {
    await gateways.continueConversation(reference, (context: TurnContext) =>
      bot.continueWith(context, async (ctx) => {
        await ctx.sendActivity(texts.t(locale, key));
      }),
    );
  }

  /** Tells the chat, in its own language, that the key changed, and what to do next. */
  const onKeyChanged = async (data: ResetLinkData) => {
    metrics.keysChanged.inc({ kind: data.kind });
    const locale = pickLocale(data.locale, config.DEFAULT_LOCALE);
    await gateways
      .continueConversation(data.conversation as Partial<ConversationReference>, (context: TurnContext) =>
        bot.continueWith(context, (ctx) => bot.keyChanged(ctx, locale)),
      )
      .catch((err: Error) => log.warn({ err: { type: err.name } }, 'could not tell the chat the key changed'));
  };
  registerNewKeyPage(server, { config, texts, links, directory, mailer, log, onKeyChanged });
  if (!config.SMTP_URL) registerOutboxPage(server, { config });

  server.get('/healthz', async (_req: restify.Request, res: restify.Response) => {
    res.send(200, { status: 'ok' });
  });
  server.get('/readyz', async (_req: restify.Request, res: restify.Response) => {
    const [storeReady, directoryReady] = await Promise.all([
      stores.ready().catch(() => false),
      directory.ready().catch(() => false),
    ]);
    const ready = storeReady && directoryReady;
    res.send(ready ? 200 : 503, { status: ready ? 'ready' : 'not ready', store: storeReady, directory: directoryReady });
  });
  const metricsEndpoint = createMetricsEndpoint(server, { config, metrics, log });

  let closing = false;
  return {
    config,
    server,
    bot,
    services,
    stores,
    gateways,
    handoff,
    directory,
    log,
    metricsEndpoint,
    /** Listens on PORT (0 = any free port), and METRICS_PORT when set, and returns the base URL. */
    async listen(): Promise<string> {
      const { host, localOnly } = listenHost(config);
      if (localOnly) log.info({ host }, 'SERVER_SECRET is the development secret: serving this machine only (127.0.0.1), whatever HOST says');
      await new Promise<void>((resolve) => {
        server.listen(config.PORT, host, resolve);
      });
      await metricsEndpoint.listen();
      const { port } = server.address();
      return `http://127.0.0.1:${port}`;
    },
    /** Stops taking requests, lets in-flight turns finish (bounded), then closes the stores. */
    async close(drainMs = 10_000): Promise<void> {
      if (closing) return;
      closing = true;
      const stopped = new Promise<void>((resolve) => {
        server.close(() => resolve());
      });
      await metricsEndpoint.close();
      server.server.closeIdleConnections?.();
      await gateways.drain(drainMs);
      await bot.queue.drain(drainMs);
      // Code emails still going out, then any "it failed" line they lead to.
      await services.codes.drain(drainMs);
      await handoff.drain(drainMs);
      await bot.queue.drain(drainMs);
      server.server.closeAllConnections?.();
      await stopped;
      mailer.close?.();
      await stores.close();
    },
  };
}

/** With Redis, wait (bounded) for the first connection so the first requests are not refused. */
async function waitUntilReady(stores: { kind: string; ready(): Promise<boolean> }, log: Logger, timeoutMs = 5_000) {
  if (stores.kind !== 'redis') return;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await stores.ready().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  log.warn('store not ready yet; starting anyway, requests will be refused until it answers');
}
