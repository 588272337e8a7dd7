import { afterEach, expect, it, vi } from 'vitest';
import { DemoDirectory } from '../../src/recovery/demoDirectory';
import { createIdentityCheck } from '../../src/recovery/identityCheck';

const secret = 'timing-secret-0123456789-0123456789-xx';
const directory = DemoDirectory.fromFile('src/recovery/demo-accounts.json', secret);

afterEach(() => {
  vi.useRealTimers();
});

/** Known and unknown numbers are held to the same floor, so time does not tell them apart. */
it.each([
  ['a registered number', '1714307103'],
  ['an unregistered number', '0926687856'],
])('holds the answer for %s until the floor has passed', async (_label, cedula) => {
  vi.useFakeTimers();
  const check = createIdentityCheck(directory, secret, undefined, 1_000);
  let settled = false;
  const verdict = check.verify({ kind: 'person', cedula }, { day: 1, month: 1 }, [0, 0]).then((v) => {
    settled = true;
    return v;
  });
  await vi.advanceTimersByTimeAsync(999);
  expect(settled).toBe(false);
  await vi.advanceTimersByTimeAsync(1);
  expect(await verdict).toBeUndefined();
  expect(settled).toBe(true);
});
