import { describe, expect, it } from 'vitest';
import { latestCodeFor } from '../../src/recovery/mail';
import type { VerifiedAccount, VerifyCodeResult } from '../../src/recovery/types';
import { sharedRedis } from '../helpers/redis';
import { groupPerSuite } from './harness';

const redis = await sharedRedis();

/** Parallel checks of one code, split across both instances. */
const CHECKS = 20;

const account = (label: string): VerifiedAccount => ({
  kind: 'person',
  accountId: `race-${label}`,
  email: `${label}@example.com`,
  mailboxLost: false,
  firstName: 'Prueba',
});

const count = (results: VerifyCodeResult[], status: VerifyCodeResult['status']) => results.filter((r) => r.status === status).length;

describe.skipIf(!redis.ok)(`one code checked from two instances at once${redis.reason ? ` (skipped: no ${redis.reason})` : ''}`, () => {
  const group = groupPerSuite('codes');

  /** Sends a code from instance A and reads it from the shared outbox. */
  const sendFromA = async (who: VerifiedAccount): Promise<string> => {
    const [a] = group().instances;
    expect((await a.app.services.codes.send(who, 'es-EC')).status).toBe('sent');
    await a.mailSent();
    const code = await latestCodeFor(group().outbox, who.email);
    expect(code).toMatch(/^\d{6}$/);
    return code!;
  };

  /** `codes[i]` checked on instance A for even i and on B for odd i, all at once. */
  const checkEverywhere = (who: VerifiedAccount, codes: string[]) =>
    Promise.all(codes.map((code, i) => group().instances[i % 2].app.services.codes.verify(who, code)));

  it(`accepts the right code once out of ${CHECKS} simultaneous checks`, async () => {
    const who = account('once');
    const code = await sendFromA(who);
    const results = await checkEverywhere(
      who,
      Array.from({ length: CHECKS }, () => code),
    );
    expect(count(results, 'ok')).toBe(1);
    expect(count(results, 'expired')).toBe(CHECKS - 1);
    // Used is used, on either instance.
    expect((await group().instances[1].app.services.codes.verify(who, code)).status).toBe('expired');
  });

  it('counts simultaneous wrong codes exactly, and the code dies at the limit on both instances', async () => {
    const who = account('wrong');
    const code = await sendFromA(who);
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
    const maxTries = group().instances[0].config.CODE_MAX_TRIES;
    const results = await checkEverywhere(
      who,
      Array.from({ length: CHECKS }, () => wrong),
    );
    const left = results.flatMap((r) => (r.status === 'wrong' ? [r.triesLeft] : []));
    // Each try counted once: every count from maxTries-1 down to 0 exactly once.
    expect(left.sort((x, y) => y - x)).toEqual(Array.from({ length: maxTries }, (_, i) => maxTries - 1 - i));
    expect(count(results, 'expired')).toBe(CHECKS - maxTries);
    expect((await group().instances[1].app.services.codes.verify(who, code)).status).toBe('expired');
  });

  it('never accepts a code twice when right and wrong checks race', async () => {
    const who = account('mixed');
    const code = await sendFromA(who);
    const wrong = String((Number(code) + 7) % 1_000_000).padStart(6, '0');
    // Fewer wrong codes than the limit, so the right one is still alive whenever it runs.
    const results = await checkEverywhere(
      who,
      Array.from({ length: CHECKS }, (_, i) => (i % 7 === 0 ? wrong : code)),
    );
    expect(count(results, 'ok')).toBe(1);
    // Whatever ran after the right code found it gone.
    expect(count(results, 'ok') + count(results, 'wrong') + count(results, 'expired')).toBe(CHECKS);
  });
});
