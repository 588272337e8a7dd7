import { randomUUID } from 'node:crypto';
import type { KeyValueStore } from '../store/keyValue';

/**
 * The agent who should take the next person: the one serving the fewest now, below `max`;
 * ties go to the first name in order, so every instance picks the same one.
 */
export function leastLoaded(load: ReadonlyMap<string, number>, max: number): string | undefined {
  let best: string | undefined;
  for (const [name, serving] of [...load].sort(([a], [b]) => a.localeCompare(b))) {
    if (serving >= max) continue;
    if (best === undefined || serving < load.get(best)!) best = name;
  }
  return best;
}

/**
 * Runs a piece of work on one instance at a time, over the shared store. A call while another
 * instance holds the turn asks the holder for one more round instead of running beside it,
 * so two instances never assign from the same stale counts and no request is lost.
 */
export class OneAtATime {
  constructor(
    private readonly store: KeyValueStore,
    private readonly key: string,
    /** Longest a round may hold the turn (a stopped instance frees it after this). */
    private readonly holdMs: number,
  ) {}

  async run(work: () => Promise<void>, maxRounds = 10): Promise<void> {
    const lock = `${this.key}:lock`;
    const again = `${this.key}:again`;
    for (let round = 0; round < maxRounds; round++) {
      const token = randomUUID();
      if (!(await this.store.setIfAbsent(lock, token, this.holdMs))) {
        await this.store.set(again, '1', this.holdMs);
        // The holder may have finished meanwhile (and missed the request): try once more.
        if (!(await this.store.setIfAbsent(lock, token, this.holdMs))) return;
      }
      try {
        await this.store.delete(again);
        await work();
      } finally {
        await this.store.deleteIfEquals(lock, token);
      }
      if (!(await this.store.take(again))) return;
    }
  }
}
