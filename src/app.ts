import restify from 'restify';
import { renderChoices } from '../dialogs/choices';
import { MainDialog } from '../dialogs/mainDialog';
import { ProgressNotes } from '../dialogs/progress';
import type { DialogServices } from '../dialogs/services';
import { RecoveryBot } from './bot/bot';
import { continueThrough, conversationStateOn, keptReference, lineTeller } from './bot/later';
import { ConversationLanguage } from '../dialogs/language';
import { TurnQueue } from './bot/turnQueue';
import { addressLimit } from './channels/addressLimit';
import { type BotFrameworkAuthentication, createBotFrameworkChannel } from './channels/botframework';
import { createDirectLineChannel } from './channels/directline';
import { Gateways } from './channels/gateways';
import type { ChannelGateway } from './channels/types';
import { WHATSAPP_CHANNEL_ID, createWhatsAppChannel, whatsappConfigured } from './channels/whatsapp';
import { type Config, listenHost } from './config';
import { Texts, factsFrom, pickLocale } from './i18n';
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
import { deliveryFailureNotes } from './handoff/deliveryFailures';
import { ticketStoreFor } from './handoff/tickets';
import { type PendingSurvey, Survey } from './survey';
import { registerAgentConsole } from './handoff/console';

/** Parts a test or a tool may replace. */
export interface AppOverrides {
  log?: Logger;
  directory?: AccountDirectory;
  mailer?: Mailer & { close?(): void };
  /** How /api/messages checks Bot Framework tokens (default: from the Microsoft app settings). */
  botFrameworkAuthentication?: BotFrameworkAuthentication;
  /** Channels beside the configured ones (the terminal, the tests' in-process chats); a channel id they name is theirs. */
  channels?: readonly ChannelGateway[];
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
  const conversationState = conversationStateOn(stores.storage);
  const language = new ConversationLanguage(
    conversationState,
    createLanguageGuesser(texts),
    config.DEFAULT_LOCALE,
    createRegisterReader(texts),
  );
  const progress = new ProgressNotes(conversationState);
  const queue = new TurnQueue(stores.lock);
  const tickets = ticketStoreFor(config, stores.kv);

  // The channels' sending halves first (they need no bot): a message sent later finds its own.
  const channelDeps = { config, store: stores.kv, log, metrics, texts, limits: counters };
  const directLine = createDirectLineChannel(channelDeps);
  // A WhatsApp message that did not go out is noted in that person's ticket, for the agent.
  const noteDeliveryFailure = deliveryFailureNotes(tickets, texts, config.DEFAULT_LOCALE);
  const whatsapp = whatsappConfigured(config)
    ? createWhatsAppChannel(channelDeps, (to, errorCode) => noteDeliveryFailure(WHATSAPP_CHANNEL_ID, to, errorCode))
    : undefined;
  const ours = [directLine.gateway, ...(whatsapp ? [whatsapp.gateway] : []), ...(overrides.channels ?? [])];
  const botFramework = createBotFrameworkChannel(channelDeps, {
    ours: ours.flatMap((gateway) => gateway.channelIds),
    auth: overrides.botFrameworkAuthentication,
  });
  const gateways = new Gateways([...(botFramework ? [botFramework.gateway] : []), ...ours]);
  // Messages sent later (an agent's words, "your key changed") run inside the bot: its turn order,
  // the transcript, the state save, and the dialogs starting over when the sender asks. The bot is
  // built below from the dialogs and the handoff that send them: the one forward reference, looked
  // up when a message goes (src/bot/README.md says why the cycle is the product's, not the wiring's).
  const botBuiltBelow = () => bot;
  const continueConversation = continueThrough(gateways, botBuiltBelow);
  const tellLater = lineTeller(continueConversation, texts);

  // Human handoff: tickets, the relay while an agent serves, the transcript, the console.
  const handoff = new Handoff({
    config,
    store: stores.kv,
    tickets,
    texts,
    log,
    metrics,
    progress,
    conversationState,
    gateways,
    continueConversation,
    renderChoices,
  });
  // Without agents (or event mode) nobody can take a ticket: no transcript is kept (data
  // minimisation), no ticket is looked up, and the bot explains the other ways to get help.
  const handoffOn = handoff.enabled ? handoff : undefined;

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
    progress,
    tellLater,
    handoff: handoffOn ? handoffOn.open : noHandoff,
  };
  const bot = new RecoveryBot({
    state: conversationState,
    queue,
    dialog: new MainDialog(services),
    language,
    texts,
    log,
    metrics,
    messagesPerMinute: config.MESSAGES_PER_CONVERSATION_PER_MINUTE,
    now: () => Date.now(),
    secret: config.SERVER_SECRET,
    defaultLocale: config.DEFAULT_LOCALE,
    iessSite: config.IESS_SITE,
    interceptor: handoffOn,
    recorder: handoffOn?.recorder,
    survey: new Survey({
      flow: 'recovery',
      store: stores.kv,
      texts,
      metrics,
      pending: conversationState.createProperty<PendingSurvey | undefined>('recoverySurvey'),
      renderChoices,
      keepMs: config.TRANSCRIPT_TTL_SECONDS * 1000,
      answerMs: config.STATE_TTL_SECONDS * 1000,
      defaultLocale: config.DEFAULT_LOCALE,
      now: Date.now,
    }),
  });

  const server = restify.createServer({ name: 'iess-clave', handleUncaughtExceptions: false });
  guardResponses(server, { config, log });

  server.use(addressLimit({ config, limits: counters }));
  // The channels' receiving halves: their routes, each turn run by the bot.
  botFramework?.listen(server, bot);
  directLine.listen(server, bot);
  whatsapp?.listen(server, bot);
  // No agents, no console: /agent does not exist rather than offer a sign-in nobody can pass.
  if (handoff.agents.size > 0) await registerAgentConsole(server, { config, handoff, texts, log, limits: counters });

  /** Tells the chat, in its own language, that the key changed, and what to do next. */
  const onKeyChanged = async (data: ResetLinkData) => {
    metrics.keysChanged.inc({ kind: data.kind });
    const locale = pickLocale(data.locale, config.DEFAULT_LOCALE);
    await continueConversation(keptReference(data.conversation), (ctx) => bot.keyChanged(ctx, locale)).catch((err: Error) =>
      log.warn({ err: { type: err.name } }, 'could not tell the chat the key changed'),
    );
  };
  registerNewKeyPage(server, { config, texts, links, directory, mailer, log, onKeyChanged });
  if (!config.SMTP_URL) registerOutboxPage(server, { config });

  server.get('/healthz', async (_req: restify.Request, res: restify.Response) => {
    res.send(200, { status: 'ok' });
  });
  server.get('/readyz', async (_req: restify.Request, res: restify.Response) => {
    const [storeReady, directoryReady] = await Promise.all([stores.ready().catch(() => false), directory.ready().catch(() => false)]);
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
      if (localOnly)
        log.info({ host }, 'SERVER_SECRET is the development secret: serving this machine only (127.0.0.1), whatever HOST says');
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

/** Without agents nor a contact centre there is nobody to hand a person to: the dialogs explain the other ways. */
const noHandoff = async (): Promise<boolean> => false;

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
