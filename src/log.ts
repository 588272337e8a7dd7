import pino, { type Logger } from 'pino';
import { keyedHash } from './hashing';

/** Field names that may hold personal data or secrets; pino replaces them wherever they appear. */
const REDACTED_FIELDS = [
  'cedula',
  'ruc',
  'email',
  'code',
  'token',
  'key',
  'password',
  'text',
  'answer',
  'link',
  'url',
  'authorization',
  'cookie',
  'Body',
  'From',
  'To',
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const paths = REDACTED_FIELDS.flatMap((f) => [f, `*.${f}`, `*.*.${f}`]);
  return pino({ level, redact: { paths, censor: '[redacted]' }, base: undefined }, destination);
}

/** A short, keyed, non-reversible tag for correlating log lines about one person. */
export function logTag(value: string, secret: string): string {
  return keyedHash(secret, 'log', value, 10);
}

export type { Logger };

/**
 * Sends what libraries print with console.error/console.warn (botbuilder does, with stacks)
 * through the logger as one short line: error names, first lines of text, no stack, no
 * objects. Returns the function that puts the console back.
 */
export function captureConsole(log: Logger): () => void {
  const { error, warn } = console;
  const line = (args: unknown[]) =>
    args
      .map((arg) => (arg instanceof Error ? arg.name : typeof arg === 'string' ? arg.split('\n')[0] : typeof arg))
      .join(' ')
      .slice(0, 200);
  console.error = (...args: unknown[]) => log.error({ source: 'console' }, line(args));
  console.warn = (...args: unknown[]) => log.warn({ source: 'console' }, line(args));
  return () => {
    console.error = error;
    console.warn = warn;
  };
}
