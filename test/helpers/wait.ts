/**
 * Waiting for something to happen, with a bound: a test polls for the event it expects
 * instead of sleeping a fixed time and hoping.
 */

/** Waits until `probe` gives a value (polling every 20 ms), at most `timeoutMs`; returns the value. */
export async function until<T>(probe: () => T | undefined | false, what: string, timeoutMs = 10_000): Promise<T> {
  return untilAsync(async () => probe(), what, timeoutMs, 20);
}

/** Like `until`, for a probe that answers asynchronously (files, HTTP). */
export async function untilAsync<T>(
  probe: () => Promise<T | undefined | false>,
  what: string,
  timeoutMs = 10_000,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
