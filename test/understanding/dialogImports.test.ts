import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const dir = join(__dirname, '..', '..', 'dialogs');
const modules = readdirSync(dir)
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.replace(/\.ts$/, ''));
/** Each dialog module's imports of other dialog modules, `import type` included. */
const imports = new Map(
  modules.map((name) => {
    const source = readFileSync(join(dir, `${name}.ts`), 'utf8');
    const targets = [...source.matchAll(/from '\.\/([\w.]+)'/g)].map((m) => m[1]);
    return [name, targets];
  }),
);

function cycleFrom(start: string, path: string[] = []): string[] | undefined {
  if (path.includes(start)) return [...path.slice(path.indexOf(start)), start];
  for (const next of imports.get(start) ?? []) {
    const cycle = cycleFrom(next, [...path, start]);
    if (cycle) return cycle;
  }
  return undefined;
}

describe('dialogs/', () => {
  it('has no import cycle', () => {
    expect(modules.length).toBeGreaterThan(5);
    for (const name of modules) expect(cycleFrom(name), name).toBeUndefined();
  });
});
