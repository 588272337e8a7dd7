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
 * Deletions held in memory (waiting for their time or their turn), about 200 bytes each:
 * a minute of 1,000 messages a second. Past it a new one is dropped, and counted.
 */
const MAX_HELD = 60_000;
/** Deletion requests at Twilio at once: enough for a busy instance, never a flood of sockets when Twilio is slow. */
const MAX_RUNNING = 32;
/** Deletions due within this much of each other go out together: one timer for many. */
const TICK_MS = 100;

/** A deletion and the tries it has had. */
interface Try {
  deletion: Deletion;
  tries: number;
}

interface Held extends Try {
  dueAt: number;
}

/**
 * Deletes messages and media at Twilio once they are no longer needed, so what people send
 * (a cédula, a birth date, a photo of a document) does not stay in the operator's Twilio
 * logs: after `delayMs` (0 = never delete), retried with backoff, at once for what must not
 * wait (a photo). A message Twilio no longer has counts as deleted (a 404). Memory and sockets are bounded whatever Twilio does: at most MAX_RUNNING requests at
 * once, MAX_HELD deletions held. Every deletion waiting for the same delay joins the same
 * queue, so each queue is in time order and one timer serves them all.
 */
export class TwilioRetention {
  /** Waiting deletions by their delay, each queue oldest first. */
  private readonly queues = new Map<number, Held[]>();
  private readonly due: Try[] = [];
  /** Messages held (waiting, due or running): a message reported twice is deleted once. */
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
    if (this.enabled && this.hold(deletion)) this.wait({ deletion, tries: 0 }, this.delayMs);
  }

  /** Deletes now (a photo of a document must not wait), whatever the delay, unless deletion is off. */
  now(deletion: Deletion): void {
    if (!this.enabled || !this.hold(deletion)) return;
    this.due.push({ deletion, tries: 0 });
    this.pump();
  }

  /** On shutdown: everything still waiting is tried now (once), bounded in time. */
  async flush(timeoutMs: number): Promise<boolean> {
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const queue of this.queues.values()) for (const { deletion } of queue) this.due.push({ deletion, tries: RETRY_DELAYS_MS.length });
    this.queues.clear();
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

  /** False when this message is already held, or when too many are (then it is counted as dropped). */
  private hold({ messageSid }: Deletion): boolean {
    if (this.held.has(messageSid)) return false;
    if (this.held.size >= MAX_HELD) {
      this.counter.inc({ result: 'dropped' });
      return false;
    }
    this.held.add(messageSid);
    return true;
  }

  private wait(attempt: Try, delayMs: number): void {
    const item = { ...attempt, dueAt: Date.now() + delayMs };
    const queue = this.queues.get(delayMs);
    if (queue) queue.push(item);
    else this.queues.set(delayMs, [item]);
    this.arm();
  }

  /** One timer, for the first deletion due in any queue. */
  private arm(): void {
    if (this.timer) return;
    let next = Infinity;
    for (const queue of this.queues.values()) next = Math.min(next, queue[0].dueAt);
    if (next === Infinity) return;
    this.timer = setTimeout(() => this.tick(), Math.max(TICK_MS, next - Date.now()));
    this.timer.unref();
  }

  /** Moves what is due (give or take a tick) from every queue to the run list. */
  private tick(): void {
    this.timer = undefined;
    const now = Date.now() + TICK_MS;
    for (const [delayMs, queue] of this.queues) {
      const waiting = queue.findIndex((item) => item.dueAt > now);
      const ready = waiting === -1 ? queue.length : waiting;
      for (const { deletion, tries } of queue.splice(0, ready)) this.due.push({ deletion, tries });
      if (!queue.length) this.queues.delete(delayMs);
    }
    this.pump();
    this.arm();
  }

  /** Starts what is due, up to MAX_RUNNING at once; each one that ends starts the next. */
  private pump(): void {
    while (this.running.size < MAX_RUNNING && this.due.length) {
      const next = this.due.shift()!;
      const work: Promise<void> = this.attempt(next).finally(() => {
        this.running.delete(work);
        this.pump();
      });
      this.running.add(work);
    }
  }

  private async attempt({ deletion, tries }: Try): Promise<void> {
    const message = this.client.messages(deletion.messageSid);
    try {
      for (const mediaSid of deletion.mediaSids ?? []) await gone(message.media(mediaSid).remove());
      await gone(message.remove());
      this.counter.inc({ result: 'deleted' });
    } catch (error) {
      const { status, code } = (error ?? {}) as { status?: number; code?: number };
      if (tries < RETRY_DELAYS_MS.length) {
        this.counter.inc({ result: 'retried' });
        this.wait({ deletion, tries: tries + 1 }, RETRY_DELAYS_MS[tries]);
        return;
      }
      this.counter.inc({ result: 'failed' });
      this.log.warn({ messageSid: deletion.messageSid, httpStatus: status, errorCode: code }, 'whatsapp message not deleted at twilio');
    }
    this.held.delete(deletion.messageSid);
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
