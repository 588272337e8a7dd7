/**
 * `npx tsx test/bench/profileSummary.ts FILE.cpuprofile [N]`: where a --cpu-prof profile spent
 * its time, by function (self time) and by package, so a run's profile can be read in a terminal.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, count = '25'] = process.argv.slice(2);
if (!file) throw new Error('usage: profileSummary FILE.cpuprofile [N]');
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map<number, number>();
profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const total = [...self.values()].reduce((a, b) => a + b, 0);

const where = (url: string) => {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg) return pkg;
  if (url.includes('/src/') || url.includes('/dialogs/')) return `app:${url.replace(/^.*\/(src|dialogs)\//, '$1/')}`;
  return url ? url.replace(/^.*\//, '') : '(native/gc/idle)';
};

const fnTotals = new Map<string, number>();
const pkgTotals = new Map<string, number>();
for (const [id, time] of self) {
  const node = byId.get(id)!;
  const { functionName, url, lineNumber } = node.callFrame;
  const key = `${functionName || '(anonymous)'} ${where(url)}:${lineNumber + 1}`;
  fnTotals.set(key, (fnTotals.get(key) ?? 0) + time);
  const pkg = where(url).replace(/^app:([^/]+\/[^/]+).*/, 'app:$1');
  pkgTotals.set(pkg, (pkgTotals.get(pkg) ?? 0) + time);
}
// Inclusive time of our own functions (src/, dialogs/): what each one costs with everything it calls.
const parent = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
const inclusive = new Map<string, number>();
for (const [id, time] of self) {
  const seen = new Set<string>();
  for (let at: number | undefined = id, depth = 0; at !== undefined && depth < 1000; at = parent.get(at), depth++) {
    const { functionName, url, lineNumber } = byId.get(at)!.callFrame;
    if (!/\/(src|dialogs)\//.test(url) || url.includes('node_modules')) continue;
    const key = `${functionName || '(anonymous)'} ${where(url)}:${lineNumber + 1}`;
    if (seen.has(key)) continue;
    seen.add(key);
    inclusive.set(key, (inclusive.get(key) ?? 0) + time);
  }
}

const top = (map: Map<string, number>) =>
  [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, Number(count))
    .map(([k, v]) => `${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`)
    .join('\n');
console.log(
  `${file}: ${(total / 1e6).toFixed(1)} s sampled\n\nby function (self):\n${top(fnTotals)}\n\nby package:\n${top(pkgTotals)}\n\nour functions, inclusive:\n${top(inclusive)}`,
);
