import type { Counter } from 'prom-client';
import type { Logger } from '../../log';
import type { TwilioDelete } from './twilioDelete';

/** What to delete at Twilio: a message record (which takes its media with it) and, first, media on their own. */
export interface Deletion {
  messageSid: string;
  mediaSids?: string[];
}

/** Waits before each new try after a failure; after the last one the deletion is given up (and counted). */
const RETRY_DELAYS_MS = [1_000, 5_000, 30_000, 120_000, 600_000];
/** Deletions held in memory (waiting for their time or their turn); past it a new one is dropped, and counted. */
const MAX_HELD = 10_000;
/** Deletion requests at Twilio at once: enough for a busy instance, never a flood of sockets when Twilio is slow. */
const MAX_RUNNING = 32;

interface Due {
  deletion: Deletion;
  tries: number;
}

/**
 * Deletes messages and media at Twilio once they are no longer needed, so what people send
 * (a cédula, a birth date, a photo of a document) does not stay in the operator's Twilio
 * logs: after `delayMs` (0 = never delete), retried with backoff, at once for what must not
 * wait (a photo). A message Twilio no longer has counts as deleted (`remove` resolves on a
 * 404). Memory and sockets are bounded whatever Twilio does: at most MAX_RUNNING requests at
 * once, MAX_HELD deletions held.
 */
export class TwilioRetention {
  private readonly waiting = new Map<string, NodeJS.Timeout>();
  private readonly due: Due[] = [];
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly remove: TwilioDelete,
    private readonly delayMs: number,
    private readonly log: Logger,
    private readonly counter: Counter<'result'>,
  ) {}

  get enabled(): boolean {
    return this.delayMs > 0;
  }

  /** Deletes after the configured delay. */
  later(deletion: Deletion): void {
    if (this.enabled) this.schedule(deletion, this.delayMs, 0);
  }

  /** Deletes now (a photo of a document must not wait), whatever the delay, unless deletion is off. */
  now(deletion: Deletion): void {
    if (this.enabled) this.schedule(deletion, 0, 0);
  }

  /** On shutdown: everything still waiting is tried now (once), bounded in time. */
  async flush(timeoutMs: number): Promise<boolean> {
    for (const [key, timer] of this.waiting) {
      clearTimeout(timer);
      this.waiting.delete(key);
      const [messageSid, media] = key.split('|');
      this.due.push({ deletion: { messageSid, mediaSids: media ? media.split(',') : [] }, tries: RETRY_DELAYS_MS.length });
    }
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

  private schedule(deletion: Deletion, delayMs: number, tries: number): void {
    const key = `${deletion.messageSid}|${(deletion.mediaSids ?? []).join(',')}`;
    if (this.waiting.has(key)) return;
    if (this.waiting.size + this.due.length >= MAX_HELD) {
      this.counter.inc({ result: 'dropped' });
      return;
    }
    if (delayMs === 0) {
      this.due.push({ deletion, tries });
      this.pump();
      return;
    }
    const timer = setTimeout(() => {
      this.waiting.delete(key);
      this.due.push({ deletion, tries });
      this.pump();
    }, delayMs);
    timer.unref();
    this.waiting.set(key, timer);
  }

  /** Starts what is due, up to MAX_RUNNING at once; each one that ends starts the next. */
  private pump(): void {
    while (this.running.size < MAX_RUNNING && this.due.length) {
      const { deletion, tries } = this.due.shift()!;
      const work: Promise<void> = this.attempt(deletion, tries).finally(() => {
        this.running.delete(work);
        this.pump();
      });
      this.running.add(work);
    }
  }

  private async attempt(deletion: Deletion, tries: number): Promise<void> {
    const message = `Messages/${deletion.messageSid}`;
    try {
      for (const mediaSid of deletion.mediaSids ?? []) await this.remove(`${message}/Media/${mediaSid}.json`);
      await this.remove(`${message}.json`);
      this.counter.inc({ result: 'deleted' });
    } catch (error) {
      const { status, code } = (error ?? {}) as { status?: number; code?: number };
      if (tries < RETRY_DELAYS_MS.length) {
        this.counter.inc({ result: 'retried' });
        this.schedule(deletion, RETRY_DELAYS_MS[tries], tries + 1);
        return;
      }
      this.counter.inc({ result: 'failed' });
      this.log.warn({ messageSid: deletion.messageSid, httpStatus: status, errorCode: code }, 'whatsapp message not deleted at twilio');
    }
  }
}
