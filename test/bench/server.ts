/**
 * The server under test, in its own process (started by run.ts with an IPC channel):
 *   BENCH_MODE=app     the assistant, built by createApp from the environment
 *   BENCH_MODE=echo    a bare restify JSON echo route (the HTTP stack's ceiling)
 *   BENCH_MODE=sample  a BotBuilder-sample-style bot: CloudAdapter, MemoryStorage, a three-step waterfall
 * It sends { ready, url } when listening, answers { rss } on request, and exits cleanly on { stop }
 * (so `--cpu-prof` can write its profile).
 */
import {
  ActivityHandler,
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  ConversationState,
  MemoryStorage,
  type StatePropertyAccessor,
  type TurnContext,
} from 'botbuilder';
import {
  type DialogState,
  DialogSet,
  DialogTurnStatus,
  NumberPrompt,
  TextPrompt,
  WaterfallDialog,
  type WaterfallStepContext,
} from 'botbuilder-dialogs';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import restify from 'restify';

type Command = { type: 'rss' } | { type: 'stop' } | { type: 'profile'; file: string };
type Stoppable = { url: string; close(): Promise<void> };

async function startEcho(): Promise<Stoppable> {
  const server = restify.createServer({ name: 'echo', handleUncaughtExceptions: false });
  server.post(
    '/echo',
    restify.plugins.bodyParser({ maxBodySize: 256 * 1024, mapParams: false }),
    async (req: restify.Request, res: restify.Response) => {
      res.send(200, { activities: [{ type: 'message', text: String(req.body?.text ?? '') }] });
    },
  );
  return listen(server);
}

/** Three steps, as BotBuilder-Samples 05.multi-turn-prompt: ask a name, ask an age, say a summary. */
class SampleBot extends ActivityHandler {
  private readonly dialogs: DialogSet;
  private readonly dialogState: StatePropertyAccessor<DialogState>;

  constructor(private readonly state: ConversationState) {
    super();
    this.dialogState = state.createProperty('dialogState');
    this.dialogs = new DialogSet(this.dialogState)
      .add(new TextPrompt('name'))
      .add(new NumberPrompt('age'))
      .add(
        new WaterfallDialog('profile', [
          async (step: WaterfallStepContext) => step.prompt('name', '¿Cómo te llamas?'),
          async (step: WaterfallStepContext) => {
            (step.values as Record<string, unknown>).name = step.result;
            return step.prompt('age', '¿Cuántos años tienes?');
          },
          async (step: WaterfallStepContext) => {
            const name = String((step.values as Record<string, unknown>).name);
            await step.context.sendActivity(`Gracias, ${name}. Tienes ${String(step.result)} años.`);
            return step.endDialog();
          },
        ]),
      );
    this.onMessage(async (context, next) => {
      const dc = await this.dialogs.createContext(context);
      const result = await dc.continueDialog();
      if (result.status === DialogTurnStatus.empty) await dc.beginDialog('profile');
      await next();
    });
  }

  override async run(context: TurnContext): Promise<void> {
    await super.run(context);
    await this.state.saveChanges(context);
  }
}

async function startSample(): Promise<Stoppable> {
  const adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication({}));
  const bot = new SampleBot(new ConversationState(new MemoryStorage()));
  const server = restify.createServer({ name: 'sample', handleUncaughtExceptions: false });
  server.post(
    '/api/messages',
    restify.plugins.bodyParser({ maxBodySize: 256 * 1024, mapParams: false }),
    async (req: restify.Request, res: restify.Response) => {
      await adapter.process(req, res, (context) => bot.run(context));
    },
  );
  return listen(server);
}

async function listen(server: restify.Server): Promise<Stoppable> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      server.server.closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function startApp(): Promise<Stoppable> {
  // Loaded here only: the baselines run without the assistant's modules in their heap.
  const [{ createApp }, { loadConfig }] = await Promise.all([import('../../src/app'), import('../../src/config')]);
  const app = await createApp(loadConfig(process.env));
  const url = await app.listen();
  return { url, close: () => app.close(5_000) };
}

let profiler: Session | undefined;
let profileFile = '';

function writeProfile(): Promise<void> {
  const session = profiler;
  if (!session) return Promise.resolve();
  profiler = undefined;
  return new Promise((resolve) =>
    session.post('Profiler.stop', (error, result) => {
      if (!error) writeFileSync(profileFile, JSON.stringify(result.profile));
      session.disconnect();
      resolve();
    }),
  );
}

/** How late the event loop runs timers: a long synchronous step shows here, not in CPU totals. */
const loopDelays = monitorEventLoopDelay({ resolution: 10 });
loopDelays.enable();

async function main() {
  const mode = process.env.BENCH_MODE ?? 'app';
  const server = mode === 'echo' ? await startEcho() : mode === 'sample' ? await startSample() : await startApp();
  process.send?.({ type: 'ready', url: server.url });
  process.on('message', (command: Command) => {
    if (command.type === 'rss') {
      const cpu = process.cpuUsage();
      const memory = process.memoryUsage();
      const loopDelay = { p99Ms: loopDelays.percentile(99) / 1e6, maxMs: loopDelays.max / 1e6 };
      loopDelays.reset();
      process.send?.({
        type: 'rss',
        rss: memory.rss,
        heapUsed: memory.heapUsed,
        heapTotal: memory.heapTotal,
        cpuMs: (cpu.user + cpu.system) / 1000,
        loopDelay,
      });
    }
    if (command.type === 'profile') {
      // Only the scenario's traffic: module loading and NLU training at start-up stay out.
      profiler = new Session();
      profiler.connect();
      profiler.post('Profiler.enable', () => profiler!.post('Profiler.start', () => process.send?.({ type: 'profiling' })));
      profileFile = command.file;
    }
    if (command.type === 'stop') {
      void writeProfile()
        .then(() => server.close())
        .catch(() => undefined)
        .finally(() => process.exit(0));
    }
  });
  // The runner going away ends this process too.
  process.on('disconnect', () => process.exit(0));
}

void main().catch((error) => {
  console.error('bench server failed to start:', error);
  process.exit(1);
});
