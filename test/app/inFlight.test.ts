import { describe, expect, it } from 'vitest';
import { InFlight } from '../../src/inFlight';

describe('InFlight', () => {
  it('drains once tracked work settles, failures included, and returns the work unchanged', async () => {
    const work = new InFlight();
    let finish!: (value: string) => void;
    const slow = work.track(new Promise<string>((resolve) => (finish = resolve)));
    const failing = work.track(Promise.reject(new Error('smtp down')));
    await expect(failing).rejects.toThrow('smtp down');
    const drained = work.drain(5_000);
    finish('sent');
    expect(await slow).toBe('sent');
    expect(await drained).toBe(true);
    expect(await work.drain(10)).toBe(true);
  });

  it('gives up after the time limit when work is still running', async () => {
    const work = new InFlight();
    // Work that never settles: nothing to wait for, only the limit ends the drain.
    void work.track(new Promise(() => undefined));
    expect(await work.drain(20)).toBe(false);
  });
});
