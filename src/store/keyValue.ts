/**
 * The small set of storage operations the assistant needs, each atomic on its own.
 * Two implementations: memory (one process) and Redis (several instances).
 * Keys are plain strings; implementations add their own prefix.
 */
export interface KeyValueStore {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
  /** SET NX PX: true when the key was absent and is now set (dedupe, locks). */
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>;
  /** GETDEL: reads and removes in one step (single-use links). */
  take(key: string): Promise<string | undefined>;
  /** PEXPIRE: gives a key a new time to live without reading it; false when it is gone. */
  touch(key: string, ttlMs: number): Promise<boolean>;
  delete(key: string): Promise<void>;
  /** Deletes only when the value still matches (lock release by its owner). */
  deleteIfEquals(key: string, value: string): Promise<boolean>;
  /**
   * Checks a secret stored by `putSecret` in one atomic step: a match consumes it,
   * a miss counts a try, and the record dies after `maxTries` misses.
   */
  putSecret(key: string, record: SecretRecord, ttlMs: number): Promise<void>;
  attemptSecret(key: string, candidateHash: string, maxTries: number): Promise<SecretAttempt>;
  /** An append-only list with a time to live (activity logs, transcripts, queues). */
  append(key: string, value: string, ttlMs: number): Promise<number>;
  range(key: string, from?: number): Promise<string[]>;
  /** HINCRBY + PEXPIRE: adds `by` to one counter of a group (anonymous counts, e.g. the funnel). */
  increment(key: string, field: string, by: number, ttlMs: number): Promise<void>;
  /** HGETALL: every counter of a group ({} when there is none). */
  counts(key: string): Promise<Record<string, number>>;
  /** LSET: rewrites one item of a list in place (a stored message masked later); false when it is gone. */
  replaceAt(key: string, index: number, value: string): Promise<boolean>;
  /** Fan-out between instances. */
  publish(channel: string, message: string): Promise<void>;
  subscribe(channel: string, onMessage: (message: string) => void): Promise<() => Promise<void>>;
  /** True when the backing service answers. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export interface SecretRecord {
  hash: string;
  /** Anything the owner needs back on success (JSON). */
  data: string;
}

export type SecretAttempt = { result: 'ok'; data: string } | { result: 'wrong'; triesLeft: number } | { result: 'missing' };
