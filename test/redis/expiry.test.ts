import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/handoff/agents';
import { MARIA } from '../helpers/demo';
import { chatOn } from '../helpers/person';
import { TEST_REDIS_URL, deleteKeys, sharedRedis, uniquePrefix } from '../helpers/redis';
import { playScenario } from '../helpers/scenario';
import { keysWithContent, keysWithTtl, startInstances } from './harness';

const redis = await sharedRedis();

/** Lives set apart from the defaults, so each key shows which setting it follows. */
const LIVES = {
  STATE_TTL_SECONDS: 5_000,
  CODE_TTL_SECONDS: 500,
  CODE_RESEND_SECONDS: 45,
  LINK_TTL_SECONDS: 700,
  TRANSCRIPT_TTL_SECONDS: 9_000,
};

describe.skipIf(!redis.ok)(`what a conversation leaves in Redis expires${redis.reason ? ` (skipped: no ${redis.reason})` : ''}`, () => {
  const prefix = uniquePrefix('ttl');
  let group: Awaited<ReturnType<typeof startInstances>>;

  beforeAll(async () => {
    const lives = Object.fromEntries(Object.entries(LIVES).map(([name, value]) => [name, String(value)]));
    // With an agent configured, transcripts are kept (for nobody to read, none would be).
    const agent = `ana:${await hashPassword('clave-ana-larga', { N: 1024, r: 8, p: 1 })}`;
    group = await startInstances(1, { REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: prefix, AGENTS: agent, ...lives });
  });

  afterAll(async () => {
    await group?.close();
    await deleteKeys(TEST_REDIS_URL, prefix);
  });

  /** The documented life of each kind of key, in seconds (src/store/README.md, "What moves to Redis"). */
  const families: Array<{ name: string; start: string; seconds: number }> = [
    { name: 'bot state', start: 'state:', seconds: LIVES.STATE_TTL_SECONDS },
    { name: 'resend gap', start: 'code:gap:', seconds: LIVES.CODE_RESEND_SECONDS },
    { name: 'code', start: 'code:', seconds: LIVES.CODE_TTL_SECONDS },
    { name: 'new-key link', start: 'link:', seconds: LIVES.LINK_TTL_SECONDS },
    { name: 'transcript', start: 'handoff:log:', seconds: LIVES.TRANSCRIPT_TTL_SECONDS },
    { name: 'lookup limit', start: 'rl:lookup-conversation:', seconds: 3600 },
    { name: 'lookup address limit', start: 'rl:lookup-address:', seconds: 3600 },
    // The soft per-number counts (failures, and each source's on that number).
    { name: 'lookup failures', start: 'rl:lookup-number', seconds: 15 * 60 },
    { name: 'code failures', start: 'rl:codeFailure:', seconds: 24 * 3600 },
    { name: 'code-send limit', start: 'rl:codeSend:', seconds: 3600 },
    { name: 'request limit per address', start: 'rl:address:', seconds: 60 },
    // Anonymous counts per day (no person in them), kept FUNNEL_DAYS (30) and the day being counted.
    { name: 'recovery funnel', start: 'handoff:funnel', seconds: 31 * 86400 },
  ];
  const familyOf = (key: string) => families.find((f) => key.startsWith(prefix + f.start));
  const longest = Math.max(...families.map((f) => f.seconds));

  /** Every key of the run has a life no longer than its documented one; returns the families seen. */
  const checkLives = async (): Promise<Set<string>> => {
    const keys = await keysWithTtl(TEST_REDIS_URL, prefix);
    expect(keys.size).toBeGreaterThan(0);
    const seen = new Set<string>();
    for (const [key, ttlMs] of keys) {
      const family = familyOf(key);
      const name = family?.name ?? `unlisted key ${key.slice(prefix.length).split(':').slice(0, 2).join(':')}`;
      expect(ttlMs, `${name} has a time to live`).toBeGreaterThan(0);
      expect(ttlMs, `${name} lives no longer than documented`).toBeLessThanOrEqual((family?.seconds ?? longest) * 1000);
      // Seconds have passed at most since it was written: the life is the one set for its kind.
      // (an unlisted key has no setting of its own; the check above bounds it by the longest)
      expect(ttlMs, `${name} follows its own setting`).toBeGreaterThan(((family?.seconds ?? 0) * 1000) / 2);
      seen.add(name);
    }
    console.info(`[ttl] ${keys.size} keys: ${[...seen].join(', ')}`);
    return seen;
  };

  it('gives state, codes, links and transcripts a time to live no longer than documented', async () => {
    const chat = await chatOn('api', group.instances[0]);
    const waiting: Array<Set<string>> = [];
    // The moment the code is read, it is waiting; the moment the link is followed, the link is.
    chat.code = async (email) => {
      // The identity check is over: no key and no value holds the cédula any more (the
      // transcript keeps its last three digits; the state dropped it).
      for (const [key, content] of await keysWithContent(TEST_REDIS_URL, prefix)) {
        expect(key).not.toContain(MARIA.cedula);
        expect(content, key.slice(prefix.length, prefix.length + 24)).not.toContain(MARIA.cedula);
      }
      // Requests per address reach Redis in batches (src/recovery/floodGuard.ts, every 100 ms):
      // a fast run gets here before the first one.
      await expect
        .poll(async () => [...(await keysWithTtl(TEST_REDIS_URL, prefix)).keys()].some((key) => key.startsWith(`${prefix}rl:address:`)), {
          timeout: 5_000,
        })
        .toBe(true);
      waiting.push(await checkLives());
      return group.code(email);
    };
    const setKey = chat.setKey;
    chat.setKey = async (token, key) => {
      waiting.push(await checkLives());
      return setKey(token, key);
    };
    try {
      await playScenario('maria-olvido-la-clave', chat);
    } finally {
      await chat.close();
    }

    const [whileCodeWaits, whileLinkWaits] = waiting;
    expect(waiting).toHaveLength(2);
    // The code is waiting: code, gap, state and transcript are all there.
    for (const name of ['bot state', 'code', 'resend gap', 'transcript', 'lookup limit', 'code-send limit', 'request limit per address'])
      expect(whileCodeWaits, name).toContain(name);
    // The code is used up and the link is waiting.
    expect(whileLinkWaits).toContain('new-key link');
    expect(whileLinkWaits).not.toContain('code');
  });
});
