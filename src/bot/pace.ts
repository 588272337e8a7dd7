/** How many messages a conversation sent in the current minute; kept in its own state. */
export interface Pace {
  since?: number;
  count?: number;
}

const MINUTE_MS = 60_000;

/**
 * Counts one message of a conversation (changing `pace`); false once `perMinute` were
 * counted in this minute. The count lives in the conversation's state, which every turn
 * reads and writes anyway under the conversation's lock: no store round trip of its own.
 * A minute begun "in the future" (another instance's clock ahead) starts over.
 */
export function countMessage(pace: Pace, perMinute: number, now: number): boolean {
  const since = pace.since ?? NaN;
  if (!(now >= since && now - since < MINUTE_MS)) {
    pace.since = now;
    pace.count = 0;
  }
  const count = Number.isInteger(pace.count) ? Number(pace.count) : 0;
  if (count >= perMinute) return false;
  pace.count = count + 1;
  return true;
}
