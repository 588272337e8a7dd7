import type { ConversationLock } from '../store';
import { ConversationBusyError } from '../errors';

/**
 * Runs the turns of one conversation one after another, in arrival order, so two quick
 * messages never race on the saved state. Different conversations run in parallel.
 */
export class TurnQueue {
  private readonly tails = new Map<string, Promise<unknown>>();
  private inFlight = 0;
  private idle: Array<() => void> = [];

  /** `lock`: the cross-instance one (Redis); this queue already orders turns within the process. */
  constructor(private readonly lock?: ConversationLock) {}

  run<T>(conversationId: string, turn: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(conversationId) ?? Promise.resolve();
    this.inFlight += 1;
    const result = previous.then(() => this.runLocked(conversationId, turn));
    const tail = result
      .catch(() => undefined)
      .finally(() => {
        if (this.tails.get(conversationId) === tail) this.tails.delete(conversationId);
        this.inFlight -= 1;
        if (this.inFlight === 0) this.idle.splice(0).forEach((resolve) => resolve());
      });
    this.tails.set(conversationId, tail);
    return result;
  }

  private async runLocked<T>(conversationId: string, turn: () => Promise<T>): Promise<T> {
    if (!this.lock) return turn();
    const release = await this.lock.acquire(conversationId);
    if (!release) throw new ConversationBusyError();
    try {
      return await turn();
    } finally {
      // Not awaited: the release goes out on the same connection ahead of any later command
      // (the next turn's acquire included), so the replies need not wait for its answer.
      void release().catch(() => undefined);
    }
  }

  get pending(): number {
    return this.inFlight;
  }

  /** Resolves when no turn is running or queued, or after `timeoutMs`. */
  drain(timeoutMs: number): Promise<boolean> {
    if (this.inFlight === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.idle.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }
}
