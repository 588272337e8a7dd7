/** Work that outlives the request that started it (an email sent after the reply), so shutdown can wait for it. */
export class InFlight {
  private readonly pending = new Set<Promise<void>>();

  /** Keeps `work` in view until it settles; returns it unchanged. */
  track<T>(work: Promise<T>): Promise<T> {
    const settled = work.then(
      () => undefined,
      () => undefined,
    );
    this.pending.add(settled);
    void settled.then(() => this.pending.delete(settled));
    return work;
  }

  /** Resolves true once everything tracked now has settled, or false after `timeoutMs`. */
  async drain(timeoutMs: number): Promise<boolean> {
    if (this.pending.size === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    try {
      return await Promise.race([Promise.all([...this.pending]).then(() => true), late]);
    } finally {
      clearTimeout(timer);
    }
  }
}
