/**
 * `npm run fuzz`: random and hostile inputs on every surface of a real server (started with
 * `npm start`'s node flags, on a free port), bounded in count and time. Prints what was sent,
 * crashes, 5xx answers and the server's memory before and after; exits 1 on a crash or a 5xx.
 *
 *   --count=N     at most N inputs (20,000)
 *   --seconds=S   at most S seconds of sending (120; never more than 180)
 *   --seed=N      fast-check seed, to send the same inputs again (random)
 *   --dist        run the compiled tree (`npm run build` first) instead of src/ through tsx
 */
import { formatReport, fuzz } from './fuzz';
import { startTarget } from './target';

const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const count = Number(arg('count') ?? 20_000);
const seconds = Math.min(Number(arg('seconds') ?? 120), 180);
const seed = Number(arg('seed') ?? Math.floor(Math.random() * 2 ** 31));

async function main() {
  const { target, server, close } = await startTarget({ fromSource: !process.argv.includes('--dist') });
  console.log(`fuzzing ${target.url} (pid ${server.pid}): at most ${count} inputs in ${seconds} s, seed ${seed}`);
  try {
    const report = await fuzz(target, { count, seconds, seed, concurrency: 4, bombMegabytes: 200 });
    console.log(formatReport(report));
    if (report.crashed) console.log(`server stderr:\n${server.stderr().slice(-4_000)}`);
    process.exitCode = report.crashed || report.serverErrors.length > 0 ? 1 : 0;
  } finally {
    await close();
  }
}

main().catch((error: Error) => {
  console.error(error);
  process.exit(2);
});
