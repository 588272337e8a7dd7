/**
 * `npm run bench`: the assistant's speed and memory, measured the same way every time.
 * Starts the load generator (its own process, with the SMTP peer and the stand-in Twilio
 * API), then for each scenario a fresh server process (the assistant or a baseline), runs
 * the scenario, reads the server's RSS and the Redis memory of the run's keys, and stops
 * the server. Prints a table and writes test-artifacts/bench/results.json.
 *
 *   --quick     short scenarios and 2,000 recoveries in the long one (for trying changes)
 *   --profile   the assistant's CPU profile during each scenario (the inspector's, as --cpu-prof writes)
 *               in test-artifacts/bench/profiles; read one with `npx tsx test/bench/profileSummary.ts FILE`
 *   --only=a,b  only scenarios whose name contains one of these words
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, openSync, readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { redisAnswers } from '../helpers/redis';
import { writeBenchAccounts } from './accounts';
import { type Path, type ScenarioRequest, type ScenarioResult, WHATSAPP } from './shared';
import { addRatios, type MemorySample, round, type ScenarioRecord, table, type TargetCheck, targetsTable, writeResults } from './report';

const ROOT = join(__dirname, '..', '..');
/** The assistant runs with the node flags `npm start` uses (the heap setting), so the figures are production's. */
const START_NODE_FLAGS = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start
  .split(/\s+/)
  .filter((word) => /^--[a-z-]+=\S+$/.test(word));
const OUT = join(ROOT, 'test-artifacts', 'bench');
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const args = new Set(process.argv.slice(2));
const quick = args.has('--quick');
const profile = args.has('--profile');
const only = process.argv
  .find((a) => a.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',');
/** The whole run may not take longer than this; each wait below has its own bound too. */
const RUN_LIMIT_MS = 20 * 60_000;
/** Whole recoveries (4 people) before each measured scenario, so V8 has compiled the hot code, as in a server that has run a while. */
const WARMUP_RECOVERIES = 100;
const runDeadline = Date.now() + RUN_LIMIT_MS;

type Store = 'memory' | 'redis' | 'none';
interface Scenario {
  name: string;
  path: Path;
  store: Store;
  concurrency: number;
  maxRecoveries: number;
  maxSeconds: number;
  warmupSeconds: number;
  warmupRecoveries: number;
}

/** Messages from a child over IPC, awaited by type with a time limit. */
function nextMessage<T>(child: ChildProcess, type: string, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`no "${type}" from the child within ${timeoutMs} ms`)), timeoutMs);
    const onMessage = (message: { type: string; message?: string }) => {
      if (message.type === type) done(undefined, message as T);
      else if (message.type === 'error') done(new Error(message.message));
    };
    const onExit = (code: number | null) => done(new Error(`the child exited (${code}) before "${type}"`));
    function done(error?: Error, value?: T) {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolve(value as T);
    }
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

const logFile = () => {
  mkdirSync(OUT, { recursive: true });
  return openSync(join(OUT, 'processes.log'), 'a');
};

function startChild(file: string, env: NodeJS.ProcessEnv, nodeFlags: string[] = []): ChildProcess {
  const log = logFile();
  return spawn(process.execPath, [...nodeFlags, '--import', 'tsx', join(__dirname, file)], {
    cwd: ROOT,
    env,
    stdio: ['ignore', log, log, 'ipc'],
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.send({ type: 'stop' });
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

/** The server's RSS and V8 heap (MB) and the CPU time it has used so far (ms). */
const usage = async (server: ChildProcess) => {
  server.send({ type: 'rss' });
  const { rss, heapUsed, heapTotal, cpuMs, loopDelay } = await nextMessage<{
    rss: number;
    heapUsed: number;
    heapTotal: number;
    cpuMs: number;
    loopDelay: { p99Ms: number; maxMs: number };
  }>(server, 'rss', 5_000);
  const mb = (bytes: number) => round(bytes / 1024 / 1024);
  return {
    rssMb: rss / 1024 / 1024,
    heapUsedMb: mb(heapUsed),
    heapTotalMb: mb(heapTotal),
    cpuMs,
    loopDelay: { p99Ms: round(loopDelay.p99Ms), maxMs: round(loopDelay.maxMs) },
  };
};

const SAMPLE_EVERY_MS = 15_000;

/** The server's memory every 15 s while a long scenario runs, to tell a leak (steady climb) from the heap settling. */
function sampleMemory(server: ChildProcess, startedAt: number) {
  const samples: MemorySample[] = [];
  let inFlight: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    inFlight = usage(server)
      .then(
        ({ rssMb, heapUsedMb, heapTotalMb }) =>
          void samples.push({ seconds: round((Date.now() - startedAt) / 1000, 0), rssMb: round(rssMb), heapUsedMb, heapTotalMb }),
      )
      .catch(() => undefined);
  }, SAMPLE_EVERY_MS);
  return {
    async stop(): Promise<MemorySample[]> {
      clearInterval(timer);
      await inFlight;
      return samples;
    },
  };
}

/** MEMORY USAGE over every key under `prefix` (bounded SCAN), then the keys are deleted. */
async function measureAndClean(prefix: string): Promise<{ bytes: number; keys: number; byKind: Record<string, number> }> {
  const client = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  let bytes = 0;
  let keys = 0;
  const byKind: Record<string, number> = {};
  // "state", "handoff:log", "wa:msg"…: the first two parts of the key, without hashes and ids.
  const kindOf = (key: string) =>
    key
      .slice(prefix.length)
      .split(':')
      .slice(0, 2)
      .filter((part) => part.length < 16 && !/\d{4}/.test(part))
      .join(':');
  try {
    let cursor = '0';
    for (let round = 0; round < 100_000; round++) {
      const [next, batch] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (batch.length > 0) {
        const pipeline = client.pipeline();
        for (const key of batch) pipeline.memory('USAGE', key, 'SAMPLES', '0');
        const usage = (await pipeline.exec()) ?? [];
        usage.forEach(([, value], i) => {
          bytes += Number(value ?? 0);
          const kind = kindOf(batch[i]);
          byKind[kind] = (byKind[kind] ?? 0) + Number(value ?? 0);
        });
        keys += batch.length;
        await client.del(...batch);
      }
      cursor = next;
      if (cursor === '0') break;
    }
  } finally {
    client.disconnect();
  }
  return { bytes, keys, byKind };
}

function plan(redis: boolean): Scenario[] {
  const seconds = quick ? 4 : 8;
  // Not counted: the people arriving (0.5 s) and the first second at full load.
  const warmup = 1.5;
  const levels = only?.some((w) => w.startsWith('@')) ? [1, 50, 200].filter((c) => only.includes(`@${c}`)) : [1, 50, 200];
  const list: Scenario[] = [];
  for (const path of ['echo', 'sample'] as const)
    for (const concurrency of levels)
      list.push({
        name: path === 'echo' ? 'baseline echo' : 'baseline sample bot',
        path,
        store: 'none',
        concurrency,
        maxRecoveries: 1_000_000,
        maxSeconds: seconds,
        warmupSeconds: warmup,
        warmupRecoveries: WARMUP_RECOVERIES,
      });
  const stores: Store[] = redis ? ['memory', 'redis'] : ['memory'];
  for (const store of stores)
    for (const path of ['messages', 'whatsapp', 'directline'] as const)
      for (const concurrency of levels)
        list.push({
          name: `${path} ${store}`,
          path,
          store,
          concurrency,
          maxRecoveries: 1_000_000,
          maxSeconds: seconds,
          warmupSeconds: warmup,
          warmupRecoveries: WARMUP_RECOVERIES,
        });
  if (redis)
    list.push({
      name: 'whatsapp redis long',
      path: 'whatsapp',
      store: 'redis',
      concurrency: 200,
      maxRecoveries: quick ? 2_000 : 20_000,
      maxSeconds: quick ? 120 : 420,
      warmupSeconds: 0,
      warmupRecoveries: 0,
    });
  // With --only, the long run comes only when asked for by name ("long").
  const words = only?.filter((w) => !w.startsWith('@'));
  if (!only) return list;
  return list.filter((s) =>
    s.name.endsWith('long') ? words?.includes('long') : !words?.length || words.some((word) => s.name.includes(word)),
  );
}

function serverEnv(
  scenario: Scenario,
  ports: { smtpPort: number; twilioUrl: string },
  accountsFile: string,
  prefix: string,
): NodeJS.ProcessEnv {
  const base = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'development',
    LOG_LEVEL: 'error',
    PORT: '0',
    HOST: '127.0.0.1',
  };
  if (scenario.path === 'echo' || scenario.path === 'sample') return { ...base, BENCH_MODE: scenario.path };
  return {
    ...base,
    BENCH_MODE: 'app',
    SERVER_SECRET: randomBytes(24).toString('hex'),
    PUBLIC_BASE_URL: WHATSAPP.publicBaseUrl,
    DEMO_ACCOUNTS_FILE: accountsFile,
    SMTP_URL: `smtp://127.0.0.1:${ports.smtpPort}`,
    TWILIO_ACCOUNT_SID: WHATSAPP.accountSid,
    TWILIO_AUTH_TOKEN: WHATSAPP.authToken,
    TWILIO_WHATSAPP_FROM: WHATSAPP.sender,
    TWILIO_API_BASE_URL: ports.twilioUrl,
    // Thousands of recoveries reuse a few thousand fictitious accounts from one address:
    // the per-number, per-account and per-address limits are raised for the benchmark only.
    CODE_RESEND_SECONDS: '1',
    CODE_MAX_SENDS_PER_HOUR: '1000000',
    LOOKUPS_PER_ADDRESS_PER_HOUR: '1000000',
    LOOKUPS_PER_CONVERSATION_PER_HOUR: '1000000',
    TOKEN_REQUESTS_PER_MINUTE_PER_IP: '1000000',
    REQUESTS_PER_MINUTE_PER_ADDRESS: '1000000',
    ...(scenario.store === 'redis' ? { REDIS_URL, REDIS_KEY_PREFIX: prefix } : {}),
  };
}

async function runOne(
  scenario: Scenario,
  loadgen: ChildProcess,
  ports: { smtpPort: number; twilioUrl: string },
  accountsFile: string,
  index: number,
): Promise<ScenarioRecord> {
  const prefix = `bench:${randomBytes(4).toString('hex')}:`;
  const isApp = scenario.path !== 'echo' && scenario.path !== 'sample';
  const server = startChild('server.ts', serverEnv(scenario, ports, accountsFile, prefix), isApp ? START_NODE_FLAGS : []);
  try {
    const { url } = await nextMessage<{ url: string }>(server, 'ready', 60_000);
    if (profile && isApp) {
      mkdirSync(join(OUT, 'profiles'), { recursive: true });
      const file = join(
        OUT,
        'profiles',
        `${String(index).padStart(2, '0')}-${scenario.name.replace(/\s+/g, '-')}-${scenario.concurrency}.cpuprofile`,
      );
      server.send({ type: 'profile', file });
      await nextMessage(server, 'profiling', 10_000);
    }
    const before = await usage(server);
    const memory = scenario.name.endsWith('long') ? sampleMemory(server, Date.now()) : undefined;
    const request: ScenarioRequest = { type: 'run', url, ...scenario };
    loadgen.send(request);
    const { result } = await nextMessage<{ result: ScenarioResult }>(loadgen, 'result', (scenario.maxSeconds + 120) * 1000);
    const memorySamples = await memory?.stop();
    const after = await usage(server);
    await stopChild(server);
    const redis = scenario.store === 'redis' ? await measureAndClean(prefix) : undefined;
    return {
      name: scenario.name,
      path: scenario.path,
      store: scenario.store,
      concurrency: scenario.concurrency,
      result,
      rssBeforeMb: round(before.rssMb),
      rssAfterMb: round(after.rssMb),
      heapUsedAfterMb: after.heapUsedMb,
      serverLoopDelayMs: after.loopDelay,
      ...(memorySamples ? { memorySamples } : {}),
      // Includes the warm-up's turns, which the turn count leaves out: an upper bound.
      serverCpuMsPerTurn: round((after.cpuMs - before.cpuMs) / Math.max(1, result.turns + result.warmupTurns), 2),
      redisBytesPerConversation: redis ? round(redis.bytes / Math.max(1, result.conversations), 0) : null,
      redisKeys: redis ? redis.keys : null,
      redisBytesPerConversationByKind: redis
        ? Object.fromEntries(
            Object.entries(redis.byKind).map(([kind, bytes]) => [kind, round(bytes / Math.max(1, result.conversations), 0)]),
          )
        : null,
    };
  } finally {
    await stopChild(server);
    if (scenario.store === 'redis') await measureAndClean(prefix).catch(() => undefined);
  }
}

function checkTargets(records: ScenarioRecord[]): TargetCheck[] {
  const at200 = records.find((r) => r.name === 'whatsapp redis' && r.concurrency === 200);
  const sample = records.find((r) => r.path === 'sample' && r.concurrency === 200);
  const long = records.find((r) => r.name === 'whatsapp redis long');
  const checks: TargetCheck[] = [];
  if (at200 && sample) {
    const times = at200.result.turnsPerSecond / sample.result.turnsPerSecond;
    checks.push({
      target: 'WhatsApp+Redis at 200: turns/s ≥ 1.5 × the sample bot',
      value: `${round(times, 2)}× (${round(at200.result.turnsPerSecond, 0)} vs ${round(sample.result.turnsPerSecond, 0)})`,
      met: times >= 1.5,
    });
  }
  if (at200) {
    checks.push({
      target: 'WhatsApp+Redis at 200: p99 turn latency < 100 ms',
      value: `${round(at200.result.latencyMs.p99)} ms`,
      met: at200.result.latencyMs.p99 < 100,
    });
    checks.push({ target: 'WhatsApp+Redis at 200: no errors', value: String(at200.result.errors), met: at200.result.errors === 0 });
    const bytes = at200.redisBytesPerConversation ?? Infinity;
    checks.push({ target: 'Redis < 4 KB per conversation', value: `${bytes} B`, met: bytes < 4096 });
  }
  if (long) {
    const growth = long.rssAfterMb - long.rssBeforeMb;
    checks.push({
      target: `RSS growth < 64 MB after ${long.result.recoveries} recoveries (WhatsApp+Redis, 200 people)`,
      value: `${round(growth)} MB (${long.rssBeforeMb}→${long.rssAfterMb})`,
      met: growth < 64 && long.result.recoveries >= (quick ? 1_900 : 19_900),
    });
    checks.push({ target: 'long run: no errors', value: String(long.result.errors), met: long.result.errors === 0 });
    const bytes = long.redisBytesPerConversation ?? Infinity;
    checks.push({ target: 'long run: Redis < 4 KB per conversation', value: `${bytes} B`, met: bytes < 4096 });
  }
  return checks;
}

async function main() {
  const began = Date.now();
  const redis = await redisAnswers(REDIS_URL);
  if (!redis) console.warn(`[bench] no Redis at ${REDIS_URL}: the Redis scenarios are left out`);
  const { path: accountsFile, people } = writeBenchAccounts(join(OUT, 'demo-accounts.json'), 2_000);
  const loadgen = startChild('loadgen.ts', { PATH: process.env.PATH, HOME: process.env.HOME, BENCH_ACCOUNTS_FILE: accountsFile });
  const records: ScenarioRecord[] = [];
  const failures: string[] = [];
  try {
    const ports = await nextMessage<{ smtpPort: number; twilioUrl: string }>(loadgen, 'ready', 60_000);
    const scenarios = plan(redis);
    console.log(`[bench] ${scenarios.length} scenarios, ${people.length} fictitious accounts, ${cpus().length} cores`);
    for (const [index, scenario] of scenarios.entries()) {
      if (Date.now() > runDeadline) {
        console.warn('[bench] time limit reached; the remaining scenarios are left out');
        break;
      }
      let record: ScenarioRecord;
      try {
        record = await runOne(scenario, loadgen, ports, accountsFile, index);
      } catch (error) {
        failures.push(`${scenario.name} @${scenario.concurrency}: ${(error as Error).message}`);
        console.warn(`[bench] ${scenario.name} @${scenario.concurrency} did not finish: ${(error as Error).message}`);
        continue;
      }
      records.push(record);
      const r = record.result;
      console.log(
        `[bench] ${scenario.name} @${scenario.concurrency}: ${round(r.turnsPerSecond, 0)} turns/s, ${round(r.recoveriesPerSecond, 1)} recov/s, p99 ${round(r.latencyMs.p99)} ms, errors ${r.errors}${r.errorSamples.length ? ` (${r.errorSamples[0]})` : ''}`,
      );
    }
  } finally {
    await stopChild(loadgen);
  }
  addRatios(records);
  const targets = checkTargets(records);
  const machine = {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    memoryGb: round(totalmem() / 1024 ** 3),
    node: process.version,
    platform: process.platform,
  };
  writeResults(join(OUT, 'results.json'), {
    date: new Date().toISOString(),
    command: `npm run bench${process.argv.slice(2).length ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
    machine,
    seconds: round((Date.now() - began) / 1000),
    scenarios: records,
    failures,
    targets,
  });
  console.log(
    `\n${table(records)}\n\n${targetsTable(targets)}\n\nmachine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGb} GB, Node ${machine.node}; ${round((Date.now() - began) / 1000, 0)} s`,
  );
  console.log(`results: ${join('test-artifacts', 'bench', 'results.json')}`);
  process.exitCode = failures.length > 0 || records.some((r) => r.result.errors > 0) ? 1 : 0;
}

void main().catch((error) => {
  console.error('[bench] failed:', error);
  process.exit(1);
});
