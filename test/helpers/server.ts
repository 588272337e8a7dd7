import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The assistant in its own process, started as `npm start` starts it, on a free loopback port. */
export interface ServerProcess {
  url: string;
  pid: number;
  /** Resident memory in bytes, from /proc. */
  rss(): number;
  /** The exit code or signal once the process has ended; undefined while it runs. */
  exited(): string | undefined;
  /** Everything the process wrote to stderr (crashes land here). */
  stderr(): string;
  stop(): Promise<void>;
}

/**
 * `npm start`'s arguments to node. `npm start` runs the compiled tree (dist/); from source,
 * the same flags run the TypeScript entry through tsx, so tests need no build.
 */
function startArguments(fromSource: boolean): string[] {
  const script = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: { start: string } }).scripts.start;
  const [node, ...args] = script.split(/\s+/);
  if (node !== 'node') throw new Error(`npm start does not run node: ${script}`);
  if (!fromSource) return args;
  return args.flatMap((arg) => {
    const entry = /^dist\/(src\/.+)\.js$/.exec(arg);
    return entry ? ['--import', 'tsx', `${entry[1]}.ts`] : [arg];
  });
}

export interface StartOptions {
  /** Run src/ through tsx instead of the compiled dist/ (default: true). */
  fromSource?: boolean;
  startTimeoutMs?: number;
}

export async function startServer(env: Record<string, string> = {}, options: StartOptions = {}): Promise<ServerProcess> {
  const { fromSource = true, startTimeoutMs = 60_000 } = options;
  const outbox = mkdtempSync(join(tmpdir(), 'iess-server-'));
  const child: ChildProcess = spawn(process.execPath, startArguments(fromSource), {
    env: { ...process.env, NODE_ENV: 'development', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', OUTBOX_DIR: outbox, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let exit: string | undefined;
  child.stdout!.on('data', (d: Buffer) => {
    // Only the start line is needed; the rest is dropped so a long run does not fill memory.
    if (stdout.length < 100_000) stdout += d.toString('utf8');
  });
  child.stderr!.on('data', (d: Buffer) => {
    if (stderr.length < 100_000) stderr += d.toString('utf8');
  });
  const ended = new Promise<void>((resolve) =>
    child.on('exit', (code, signal) => {
      exit = String(code ?? signal);
      resolve();
    }),
  );
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in ${startTimeoutMs} ms:\n${stderr}`)), startTimeoutMs);
    const look = () => {
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        child.stdout!.off('data', look);
        resolve(match[1]);
      }
    };
    child.stdout!.on('data', look);
    void ended.then(() => {
      clearTimeout(timer);
      reject(new Error(`server exited (${exit}) before listening:\n${stderr}`));
    });
  });

  return {
    url,
    pid: child.pid!,
    rss() {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN) * 1024;
    },
    exited: () => exit,
    stderr: () => stderr,
    async stop() {
      if (exit === undefined) {
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await ended;
        clearTimeout(killer);
      }
      rmSync(outbox, { recursive: true, force: true });
    },
  };
}
