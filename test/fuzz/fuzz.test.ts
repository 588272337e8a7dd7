import { afterAll, beforeAll, expect, it } from 'vitest';
import { formatReport, fuzz } from './fuzz';
import { startTarget } from './target';

/** The short run of `npm run fuzz`: a few hundred hostile inputs, every surface, no crash and no 5xx. */

let running: Awaited<ReturnType<typeof startTarget>>;
beforeAll(async () => {
  running = await startTarget({ fromSource: true });
});
afterAll(async () => {
  await running?.close();
});

it('survives random and hostile inputs on every surface without a crash or a 5xx', async () => {
  const seed = Math.floor(Math.random() * 2 ** 31);
  const report = await fuzz(running.target, { count: 300, seconds: 15, seed, concurrency: 2, bombMegabytes: 20 });
  const summary = `seed ${seed}\n${formatReport(report)}\n${report.crashed ? running.server.stderr().slice(-2_000) : ''}`;
  expect(report.crashed, summary).toBe(false);
  expect(report.serverErrors, summary).toEqual([]);
  expect(Object.keys(report.bySurface).sort(), summary).toEqual(['agent', 'directline', 'http', 'newkey', 'websocket', 'whatsapp']);
  expect(report.sent, summary).toBeGreaterThanOrEqual(100);
}, 90_000);
