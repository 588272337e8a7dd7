import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DemoDirectory, loadDemoData } from '../../src/recovery/demoDirectory';
import { HttpDirectory } from '../../src/recovery/httpDirectory';
import { createIdentityCheck } from '../../src/recovery/identityCheck';
import type { ChallengeAnswer, Subject } from '../../src/recovery/types';
import { strangersAsked } from '../helpers/decoys';
import { IDENTITY_API_TOKEN, OperatorData, identityApi } from '../helpers/identityApi';

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

/**
 * Against a slow identity API (a real HTTP server answering after a fixed delay), a stranger
 * who times the questions and a failed check learns nothing: a registered and an unregistered
 * number make the same calls in the same order and take the same time. Samples of both run
 * side by side, so a busy machine slows both alike.
 */
describe('the identity check against a slow identity API', () => {
  const data = loadDemoData('src/recovery/demo-accounts.json');
  const maria = data.persons.find((p) => p.cedula === '1714307103')!;
  const company = data.employers[0];
  const montepio = data.persons.find((p) => p.kind === 'montepio')!;
  const operator = new OperatorData(data, secret);
  const SAMPLES = 3;
  /** Well below one call's delay: a missing or extra call costs 700 ms or more. */
  const MARGIN_MS = 300;

  const subjects: Record<string, Subject> = {
    'registered person': { kind: 'person', cedula: maria.cedula },
    // A stranger whose decoy asks about the work history, as María's questions do.
    'unregistered person': strangersAsked('choice+choice', secret)[0],
    'registered employer': { kind: 'employer', ruc: company.ruc, representativeCedula: company.representative.cedula },
    'unregistered employer': { kind: 'employer', ruc: '1760001550001', representativeCedula: '0602910945' },
    // Personal questions: a montepío pensioner, and a stranger whose decoy asks the same kind.
    'registered pensioner': { kind: 'person', cedula: montepio.cedula },
    'unregistered pensioner': strangersAsked('typed+typed', secret)[0],
  };

  /** One stranger's try, on its own API server so its calls are its own: the questions, then a wrong answer. */
  async function sample(subject: Subject, delayMs: number) {
    const api = identityApi(operator, delayMs);
    await new Promise<void>((resolve) => api.server.listen(0, '127.0.0.1', resolve));
    try {
      const baseUrl = `http://127.0.0.1:${(api.server.address() as AddressInfo).port}`;
      // A generous timeout: a stall of this busy machine must not turn a slow answer into a failure.
      const http = new HttpDirectory({ baseUrl, token: IDENTITY_API_TOKEN, timeoutMs: 10_000 });
      const check = createIdentityCheck(http, secret, undefined, 1_200);
      let started = performance.now();
      const questions = await check.questions(subject);
      const questionsMs = performance.now() - started;
      // Each typed answer is checked as it is typed: a wrong one, as a stranger would type.
      started = performance.now();
      const answers: ChallengeAnswer[] = [];
      for (const q of questions) answers.push(q.kind === 'typed' ? { typedRight: await check.checkTyped(subject, q.id, 'Rosa Elena') } : 0);
      const typedMs = performance.now() - started;
      started = performance.now();
      const verdict = await check.verify(subject, { day: 1, month: 1 }, answers);
      const verifyMs = performance.now() - started;
      // Account ids differ (real or decoy); what is asked, and in which order, must not.
      const calls = api.state.requests.map((r) => `${r.method} ${r.path.replace(/^\/accounts\/(?!lookup)[^/]+/, '/accounts/:id')}`);
      return { questionsMs, typedMs, verifyMs, calls, verdict };
    } finally {
      api.server.closeAllConnections();
      await new Promise<void>((resolve) => api.server.close(() => resolve()));
    }
  }

  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

  // Both delays at once: each waits on its own servers, and each compares only its own samples.
  it.concurrent.for([700, 2_500])(
    'makes the same calls and takes the same time for registered and unregistered numbers at %i ms per call',
    { timeout: 45_000 },
    async (delayMs, { expect }) => {
      const names = Object.keys(subjects);
      const runs = await Promise.all(
        names.flatMap((name) => Array.from({ length: SAMPLES }, async () => ({ name, ...(await sample(subjects[name], delayMs)) }))),
      );
      const of = (name: string) => runs.filter((r) => r.name === name);
      for (const kind of ['person', 'employer', 'pensioner']) {
        const registered = of(`registered ${kind}`);
        const unregistered = of(`unregistered ${kind}`);
        for (const run of [...registered, ...unregistered]) {
          expect(run.verdict).toBeUndefined();
          expect(run.calls, `${run.name}: calls`).toEqual(registered[0].calls);
        }
        expect(registered[0].calls.length).toBeGreaterThanOrEqual({ person: 6, employer: 5, pensioner: 10 }[kind]!);
        for (const phase of ['questionsMs', 'typedMs', 'verifyMs'] as const) {
          const gap = Math.abs(median(registered.map((r) => r[phase])) - median(unregistered.map((r) => r[phase])));
          expect(gap, `${kind} ${phase}: registered vs unregistered`).toBeLessThan(MARGIN_MS);
        }
      }
    },
  );
});
