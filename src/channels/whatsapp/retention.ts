import type { Counter } from 'prom-client';
import type { Logger } from '../../log';
import type { TwilioClient } from './twilioClient';

/** What to delete at Twilio: a message record (which takes its media with it) and, first, media on their own. */
export interface Deletion {
  messageSid: string;
  mediaSids?: string[];
}

/** Waits before each new try after a failure; after the last one the deletion is given up (and counted). */
const RETRY_DELAYS_MS = [1_000, 5_000, 30_000, 120_000, 600_000];
/**
 * Deletions held in memory (waiting for their time or their turn), about 120 bytes each:
 * a minute of 1,000 messages a second. Past it a new one is dropped, and counted.
 */
const MAX_HELD = 60_000;
/** Deletion requests at Twilio at once: enough for a busy instance, never a flood of sockets when Twilio is slow. */
const MAX_RUNNING = 32;
/** Deletions due within this much of each other go out together: one timer for many. */
const TICK_MS = 100;

/** Deletions that wait for the same delay, so in time order: each one only its key and its time. */
interface Queue {
  keys: string[];
  dueAt: number[];
}

/**
 * A deletion held as one string: `SM…` or `SM…|ME…,ME…`. A copy: a SID read from the
 * webhook's form is a slice of it, and would keep the whole form in memory while it waits.
 */
const keyOf = ({ messageSid, mediaSids }: Deletion) =>
  Buffer.from(mediaSids?.length ? `${messageSid}|${mediaSids.join(',')}` : messageSid, 'latin1').toString('latin1');

/**
 * Deletes messages and media at Twilio once they are no longer needed, so what people send
 * (a cédula, a birth date, a photo of a document) does not stay in the operator's Twilio
 * logs: after `delayMs` (0 = never delete), retried with backoff, at once for what must not
 * wait (a photo). A message Twilio no longer has counts as deleted (a 404). Memory and
 * sockets are bounded whatever Twilio does: at most MAX_RUNNING requests at once, MAX_HELD
 * deletions held. A busy instance holds a minute of its messages, so each is held small: a
 * queue per number of tries (each try has its own delay, so each queue is in time order) and
 * one timer for all of them.
 */
export class TwilioRetention {
  /** By tries so far: queue 0 waits `delayMs`, queue n the n-th retry delay. */
  private readonly queues: Queue[] = Array.from({ length: RETRY_DELAYS_MS.length + 1 }, () => ({ keys: [], dueAt: [] }));
  private readonly due: { key: string; tries: number }[] = [];
  /** Everything held (waiting, due or running): a message reported twice is deleted once. */
  private readonly held = new Set<string>();
  private readonly running = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly client: TwilioClient,
    private readonly delayMs: number,
    private readonly log: Logger,
    private readonly counter: Counter<'result'>,
  ) {}

  get enabled(): boolean {
    return this.delayMs > 0;
  }

  /** Deletes after the configured delay. */
  later(deletion: Deletion): void {
    const key = this.hold(deletion);
    if (key) this.wait(key, 0);
  }

  /** Deletes now (a photo of a document must not wait), whatever the delay, unless deletion is off. */
  now(deletion: Deletion): void {
    const key = this.hold(deletion);
    if (!key) return;
    this.due.push({ key, tries: 0 });
    this.pump();
  }

  /** On shutdown: everything still waiting is tried now (once), bounded in time. */
  async flush(timeoutMs: number): Promise<boolean> {
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const queue of this.queues) for (const key of queue.keys.splice(0)) this.due.push({ key, tries: RETRY_DELAYS_MS.length });
    for (const queue of this.queues) queue.dueAt.length = 0;
    this.pump();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    const done = (async () => {
      while (this.running.size) await Promise.race(this.running);
      return true;
    })();
    const finished = await Promise.race([done, timedOut]);
    clearTimeout(timer);
    return finished;
  }

  /** Its key, or nothing when deletion is off, it is held already, or too many are (then it is counted as dropped). */
  private hold(deletion: Deletion): string | undefined {
    if (!this.enabled) return undefined;
    const key = keyOf(deletion);
    if (this.held.has(key)) return undefined;
    if (this.held.size >= MAX_HELD) {
      this.counter.inc({ result: 'dropped' });
      return undefined;
    }
    this.held.add(key);
    return key;
  }

  private wait(key: string, tries: number): void {
    const queue = this.queues[tries];
    queue.keys.push(key);
    queue.dueAt.push(Date.now() + (tries === 0 ? this.delayMs : RETRY_DELAYS_MS[tries - 1]));
    this.arm();
  }

  /** One timer, for the first deletion due in any queue. */
  private arm(): void {
    if (this.timer) return;
    const next = Math.min(...this.queues.map((queue) => queue.dueAt[0] ?? Infinity));
    if (next === Infinity) return;
    this.timer = setTimeout(() => this.tick(), Math.max(TICK_MS, next - Date.now()));
    this.timer.unref();
  }

  /** Moves what is due (give or take a tick) from every queue to the run list. */
  private tick(): void {
    this.timer = undefined;
    const now = Date.now() + TICK_MS;
    this.queues.forEach((queue, tries) => {
      const waiting = queue.dueAt.findIndex((at) => at > now);
      const ready = waiting === -1 ? queue.dueAt.length : waiting;
      queue.dueAt.splice(0, ready);
      for (const key of queue.keys.splice(0, ready)) this.due.push({ key, tries });
    });
    this.pump();
    this.arm();
  }

  /** Starts what is due, up to MAX_RUNNING at once; each one that ends starts the next. */
  private pump(): void {
    while (this.running.size < MAX_RUNNING && this.due.length) {
      const { key, tries } = this.due.shift()!;
      const work: Promise<void> = this.attempt(key, tries).finally(() => {
        this.running.delete(work);
        this.pump();
      });
      this.running.add(work);
    }
  }

  private async attempt(key: string, tries: number): Promise<void> {
    const [messageSid, media] = key.split('|');
    const message = this.client.messages(messageSid);
    try {
      for (const mediaSid of media ? media.split(',') : []) await gone(message.media(mediaSid).remove());
      await gone(message.remove());
      this.counter.inc({ result: 'deleted' });
    } catch (error) {
      const { status, code } = (error ?? {}) as { status?: number; code?: number };
      if (tries < RETRY_DELAYS_MS.length) {
        this.counter.inc({ result: 'retried' });
        this.wait(key, tries + 1);
        return;
      }
      this.counter.inc({ result: 'failed' });
      this.log.warn({ messageSid, httpStatus: status, errorCode: code }, 'whatsapp message not deleted at twilio');
    }
    this.held.delete(key);
  }
}

/** A 404 means Twilio has nothing left to delete: done. */
async function gone(request: Promise<boolean>): Promise<void> {
  try {
    await request;
  } catch (error) {
    if ((error as { status?: number })?.status !== 404) throw error;
  }
}
