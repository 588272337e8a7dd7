import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Path, ScenarioResult } from './shared';

export interface ScenarioRecord {
  name: string;
  path: Path;
  store: 'memory' | 'redis' | 'none';
  concurrency: number;
  result: ScenarioResult;
  rssBeforeMb: number;
  rssAfterMb: number;
  heapUsedAfterMb: number;
  /** How late the server's event loop ran during the scenario (p99 and worst). */
  serverLoopDelayMs: { p99Ms: number; maxMs: number };
  /** Long runs: the server's memory every 15 s. */
  memorySamples?: MemorySample[];
  /** The server process's CPU time (user + system) per turn: steady even when the machine is busy. */
  serverCpuMsPerTurn: number;
  /** MEMORY USAGE summed over the run's keys, divided by the conversations; null without Redis. */
  redisBytesPerConversation: number | null;
  redisKeys: number | null;
  /** The same bytes by kind of key (state, handoff:log, wa:msg, rl…). */
  redisBytesPerConversationByKind: Record<string, number> | null;
  ratios?: Ratios;
}

export interface MemorySample {
  seconds: number;
  rssMb: number;
  heapUsedMb: number;
  heapTotalMb: number;
}

export interface Ratios {
  /** The scenario's figure divided by the baseline's at the same concurrency. */
  turnsPerSecondVsEcho: number;
  turnsPerSecondVsSample: number;
  p50VsEcho: number;
  p50VsSample: number;
  p99VsEcho: number;
  p99VsSample: number;
  rssAfterVsSample: number;
}

export interface TargetCheck {
  target: string;
  value: string;
  met: boolean;
}

const round = (n: number, digits = 1) => (Number.isFinite(n) ? Math.round(n * 10 ** digits) / 10 ** digits : n);
const ratio = (a: number, b: number) => (b > 0 ? round(a / b, 2) : NaN);

/** Adds each app scenario's ratios to the two baselines at the same concurrency. */
export function addRatios(records: ScenarioRecord[]): void {
  const find = (path: Path, concurrency: number) => records.find((r) => r.path === path && r.concurrency === concurrency);
  for (const record of records) {
    if (record.path === 'echo' || record.path === 'sample') continue;
    const echo = find('echo', record.concurrency);
    const sample = find('sample', record.concurrency);
    if (!echo || !sample) continue;
    const r = record.result;
    record.ratios = {
      turnsPerSecondVsEcho: ratio(r.turnsPerSecond, echo.result.turnsPerSecond),
      turnsPerSecondVsSample: ratio(r.turnsPerSecond, sample.result.turnsPerSecond),
      p50VsEcho: ratio(r.latencyMs.p50, echo.result.latencyMs.p50),
      p50VsSample: ratio(r.latencyMs.p50, sample.result.latencyMs.p50),
      p99VsEcho: ratio(r.latencyMs.p99, echo.result.latencyMs.p99),
      p99VsSample: ratio(r.latencyMs.p99, sample.result.latencyMs.p99),
      rssAfterVsSample: ratio(record.rssAfterMb, sample.rssAfterMb),
    };
  }
}

/** The table printed in the terminal (and pasted in the README). */
export function table(records: ScenarioRecord[]): string {
  const header = [
    'scenario',
    'people',
    'turns/s',
    'recov/s',
    'p50 ms',
    'p95 ms',
    'p99 ms',
    'errors',
    'CPU ms/turn (server/loadgen)',
    'RSS MB before→after',
    'Redis B/conv',
    '×echo t/s',
    '×sample t/s',
    '×sample p99',
  ];
  const rows = records.map((r) => [
    r.name,
    String(r.concurrency),
    String(round(r.result.turnsPerSecond, 0)),
    String(round(r.result.recoveriesPerSecond, 1)),
    String(round(r.result.latencyMs.p50)),
    String(round(r.result.latencyMs.p95)),
    String(round(r.result.latencyMs.p99)),
    String(r.result.errors),
    `${r.serverCpuMsPerTurn}/${r.result.loadGeneratorCpuMsPerTurn}`,
    `${round(r.rssBeforeMb, 0)}→${round(r.rssAfterMb, 0)}`,
    r.redisBytesPerConversation === null ? '–' : String(Math.round(r.redisBytesPerConversation)),
    r.ratios ? String(r.ratios.turnsPerSecondVsEcho) : '–',
    r.ratios ? String(r.ratios.turnsPerSecondVsSample) : '–',
    r.ratios ? String(r.ratios.p99VsSample) : '–',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

export function targetsTable(checks: TargetCheck[]): string {
  return checks.map((c) => `${c.met ? 'MET    ' : 'NOT MET'}  ${c.target}: ${c.value}`).join('\n');
}

export function writeResults(path: string, content: object): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(content, null, 2)}\n`);
}

export { round };
