/**
 * The load generator, in its own process (started by run.ts with an IPC channel). It holds
 * the SMTP peer that receives the codes and the stand-in Twilio API, and runs one scenario
 * at a time on request: `concurrency` simulated people, each doing whole recoveries one
 * after another until the count or the time is reached.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { AccountPool, type BenchPerson, readBenchPeople } from './accounts';
import {
  botFrameworkConversation,
  type Conversation,
  directLineConversation,
  echoConversation,
  type Reply,
  WhatsAppRouter,
} from './channels';
import { MailSink } from './mailSink';
import { TwilioSink } from './twilioSink';

import { type ScenarioRequest, type ScenarioResult, WHATSAPP } from './shared';

/** The next question each turn must end with (on WhatsApp, how the end of a turn is known). */
const EXPECT = {
  menu: /¿Qué necesitas hacer\?|¿En qué más te puedo ayudar\?/,
  cedula: /número de cédula/,
  birth: /día y mes de nacimiento/,
  employer: /¿Para cuál de estas empresas/,
  year: /¿En qué año empezaste/,
  email: /¿Tienes acceso a este correo\?/,
  code: /Escribe aquí el código/,
  link: /\/clave\/nueva/,
};

/** The option, among those the person reads (buttons or a numbered list), that is a right answer. */
export function chooseRight(reply: Reply | undefined, answers: string[]): string {
  if (!reply) throw new Error('no question to answer');
  const button = reply.buttons?.find((b) => answers.includes(b.title.trim()));
  if (button) return button.value;
  for (const line of reply.text.split('\n')) {
    const match = /^(\d+)\.\s+(.+)$/.exec(line.trim());
    if (match && answers.includes(match[2].trim())) return match[1];
  }
  throw new Error('no right answer among the options');
}

class Recorder {
  latencies: number[] = [];
  turns = 0;
  recoveries = 0;
  conversations = 0;
  errors = 0;
  errorSamples: string[] = [];
  lastCompletion = 0;

  constructor(readonly countFrom: number) {}

  /** Latencies by the question the turn ends with, to see which step is slow. */
  byStep = new Map<string, number[]>();

  /** Turns left out of the figures (warm-up). */
  skipped = 0;

  turn(step: string, startedAt: number, endedAt: number) {
    if (startedAt < this.countFrom) {
      this.skipped += 1;
      return;
    }
    this.turns += 1;
    this.latencies.push(endedAt - startedAt);
    const list = this.byStep.get(step) ?? [];
    list.push(endedAt - startedAt);
    this.byStep.set(step, list);
  }

  recovery(endedAt: number) {
    this.lastCompletion = endedAt;
    if (endedAt >= this.countFrom) this.recoveries += 1;
  }

  error(error: unknown) {
    this.errors += 1;
    if (this.errorSamples.length < 5) this.errorSamples.push(String((error as Error)?.message ?? error).slice(0, 200));
  }
}

type Say = (text: string, until: RegExp) => Promise<Reply[]>;

/** How long the people of a scenario take to arrive. */
const RAMP_MS = 500;

/** Every turn of a person's recovery, from "hola" to the verified code and the link. */
async function recoverKey(say: Say, person: BenchPerson, mail: MailSink): Promise<void> {
  await say('hola', EXPECT.menu);
  await say('1', EXPECT.cedula);
  await say(person.cedula, EXPECT.birth);
  const employer = await say(person.birth, EXPECT.employer);
  const year = await say(chooseRight(employer.at(-1), person.answers), EXPECT.year);
  await say(chooseRight(year.at(-1), person.answers), EXPECT.email);
  await say('sí', EXPECT.code);
  const code = await mail.codeFor(person.email);
  await say(code, EXPECT.link);
}

/** The sample bot's whole dialog: three turns. */
async function sampleDialog(say: Say): Promise<void> {
  await say('hola', /¿Cómo te llamas\?/);
  await say('Ana', /¿Cuántos años tienes\?/);
  await say('30', /Tienes 30 años/);
}

/** As many turns as a recovery, on the echo route. */
async function echoSession(say: Say): Promise<void> {
  for (const text of ['hola', '1', '1714307103', '15 de marzo', '2', '1', 'sí', '123456']) await say(text, new RegExp(text));
}

const stepName = (until: RegExp) => Object.entries(EXPECT).find(([, re]) => re === until)?.[0] ?? until.source.slice(0, 24);

const percentile = (sorted: number[], p: number) =>
  sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

async function runScenario(request: ScenarioRequest, pool: AccountPool, mail: MailSink, whatsapp: WhatsAppRouter): Promise<ScenarioResult> {
  const target = { url: request.url };
  const unexpectedBefore = whatsapp.unexpected;

  const open = (): Conversation => {
    switch (request.path) {
      case 'messages':
      case 'sample':
        return botFrameworkConversation(target);
      case 'directline':
        return directLineConversation(target);
      case 'whatsapp':
        return whatsapp.conversation(target);
      case 'echo':
        return echoConversation(target);
    }
  };

  /** `concurrency` people, each recovering again and again; bounded by count (maxRecoveries in all) and time (deadline). */
  async function drive(recorder: Recorder, concurrency: number, maxRecoveries: number, deadline: number): Promise<void> {
    let started = 0;
    const person = async (index: number) => {
      // People arrive over the first half second, not in the same millisecond (200 sockets
      // opened at once on a cold process is not what a rush looks like).
      await sleep((index * RAMP_MS) / concurrency);
      while (started < maxRecoveries && performance.now() < deadline) {
        started += 1;
        const conversation = open();
        const account = request.path === 'echo' || request.path === 'sample' ? undefined : pool.take();
        const say: Say = async (text, until) => {
          const begin = performance.now();
          const replies = await conversation.say(text, until);
          const end = performance.now();
          const last = replies.at(-1)?.text ?? '';
          if (!until.test(last)) throw new Error(`after «${text.slice(0, 12)}» expected ${until}, got «${last.slice(0, 80)}»`);
          recorder.turn(stepName(until), begin, end);
          return replies;
        };
        try {
          await conversation.open?.();
          recorder.conversations += 1;
          if (request.path === 'sample') await sampleDialog(say);
          else if (request.path === 'echo') await echoSession(say);
          else await recoverKey(say, account!, mail);
          recorder.recovery(performance.now());
        } catch (error) {
          recorder.error(error);
          if (account) mail.forget(account.email);
        } finally {
          conversation.close?.();
          if (account) pool.give(account);
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, (_, index) => person(index)));
  }

  // Warm-up, not measured: the first turns compile the recognizers' expressions and the JIT's code.
  const warmup = new Recorder(Infinity);
  if (request.warmupRecoveries > 0)
    await drive(warmup, Math.min(request.concurrency, 4), request.warmupRecoveries, performance.now() + 120_000);
  const cpuBefore = process.cpuUsage();
  const startedAt = performance.now();
  const recorder = new Recorder(startedAt + request.warmupSeconds * 1000);
  recorder.errors = warmup.errors;
  recorder.errorSamples = warmup.errorSamples;
  recorder.conversations = warmup.conversations;
  await drive(recorder, request.concurrency, request.maxRecoveries, startedAt + request.maxSeconds * 1000);
  const seconds = Math.max(0.001, (recorder.lastCompletion - recorder.countFrom) / 1000);
  const sorted = Float64Array.from(recorder.latencies).sort();
  const list = Array.from(sorted);
  const unexpected = whatsapp.unexpected - unexpectedBefore;
  if (unexpected > 0) recorder.errorSamples.push(`${unexpected} WhatsApp replies nobody was waiting for`);
  return {
    turns: recorder.turns,
    loadGeneratorCpuMsPerTurn: (() => {
      const cpu = process.cpuUsage(cpuBefore);
      return Math.round(((cpu.user + cpu.system) / 1000 / Math.max(1, recorder.turns + recorder.skipped)) * 100) / 100;
    })(),
    warmupTurns: warmup.skipped + recorder.skipped,
    recoveries: recorder.recoveries,
    conversations: recorder.conversations,
    errors: recorder.errors + unexpected,
    errorSamples: recorder.errorSamples,
    seconds,
    turnsPerSecond: recorder.turns / seconds,
    recoveriesPerSecond: recorder.recoveries / seconds,
    stepsMs: Object.fromEntries(
      [...recorder.byStep.entries()].map(([step, values]) => {
        const ordered = Array.from(Float64Array.from(values).sort());
        return [step, { p50: percentile(ordered, 50), p99: percentile(ordered, 99) }];
      }),
    ),
    latencyMs: {
      p50: percentile(list, 50),
      p95: percentile(list, 95),
      p99: percentile(list, 99),
      max: list.at(-1) ?? 0,
      mean: list.reduce((a, b) => a + b, 0) / Math.max(1, list.length),
    },
  };
}

async function main() {
  const accountsFile = process.env.BENCH_ACCOUNTS_FILE;
  if (!accountsFile) throw new Error('BENCH_ACCOUNTS_FILE is required');
  const pool = new AccountPool(readBenchPeople(accountsFile));
  const mail = await MailSink.start();
  const whatsapp = new WhatsAppRouter(WHATSAPP.authToken, WHATSAPP.publicBaseUrl, WHATSAPP.accountSid, WHATSAPP.sender);
  const twilioApi = await TwilioSink.start(WHATSAPP.accountSid, WHATSAPP.authToken, whatsapp.onMessage);
  process.send?.({ type: 'ready', smtpPort: mail.port, twilioUrl: twilioApi.url });

  let busy = false;
  process.on('message', (message: ScenarioRequest | { type: 'stop' }) => {
    if (message.type === 'stop') {
      void Promise.all([mail.close(), twilioApi.close()]).finally(() => process.exit(0));
      return;
    }
    if (busy) return void process.send?.({ type: 'error', message: 'a scenario is already running' });
    busy = true;
    const rejectedBefore = twilioApi.rejected;
    runScenario(message, pool, mail, whatsapp)
      .then((result) => {
        const rejected = twilioApi.rejected - rejectedBefore;
        if (rejected > 0) {
          result.errors += rejected;
          result.errorSamples.push(`${rejected} sends refused by the Twilio stand-in`);
        }
        process.send?.({ type: 'result', result });
      })
      .catch((error: Error) => process.send?.({ type: 'error', message: error.message }))
      .finally(() => (busy = false));
  });
  process.on('disconnect', () => process.exit(0));
}

void main().catch((error) => {
  console.error('load generator failed:', error);
  process.exit(1);
});
