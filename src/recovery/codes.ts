import { randomInt } from 'node:crypto';
import { keyedHash } from '../hashing';
import type { Config } from '../config';
import { InFlight } from '../inFlight';
import type { KeyValueStore } from '../store/keyValue';
import type { RateLimits } from './limits';
import type { CodeService, Mailer, SendCodeResult, VerifiedAccount, VerifyCodeResult } from './types';

/** The settings this module reads. */
export type CodesConfig = Pick<Config, 'CODE_MAX_TRIES' | 'CODE_RESEND_SECONDS' | 'CODE_TTL_SECONDS' | 'SERVER_SECRET'>;

export interface CodeServiceDeps {
  store: KeyValueStore;
  mailer: Mailer;
  limits: RateLimits;
  config: CodesConfig;
  /** Clock for the resend gap (tests move it; the store's own clock handles expiry). */
  now?: () => number;
}

/** 000000–999999, uniformly, from the operating system's CSPRNG. */
export function newCode(): string {
  return String(randomInt(0, 1_000_000)).padStart(6, '0');
}

/**
 * Emailed codes (DESIGN.md, FACTS.md): only an HMAC of the code is stored, under a key that is
 * itself a keyed hash of the account, so the store never holds a code or an account id.
 */
export function createCodeService({ store, mailer, limits, config, now = Date.now }: CodeServiceDeps): CodeService {
  const accountKey = (account: VerifiedAccount) => keyedHash(config.SERVER_SECRET, 'code-account', `${account.kind}:${account.accountId}`);
  const codeHash = (key: string, code: string) => keyedHash(config.SERVER_SECRET, 'code', `${key}:${code}`);
  const gapMs = config.CODE_RESEND_SECONDS * 1000;
  const sending = new InFlight();

  return {
    async send(account, locale): Promise<SendCodeResult> {
      const key = accountKey(account);
      const gapKey = `code:gap:${key}`;
      const sentAt = String(now());
      // The gap is claimed first, so two quick requests cannot both send; the day's wrong codes are read meanwhile.
      const [claimed, failures] = await Promise.all([store.setIfAbsent(gapKey, sentAt, gapMs), limits.codeFailures.peek(key)]);
      if (!claimed) {
        const previous = Number(await store.get(gapKey));
        const left = Number.isFinite(previous) ? Math.ceil((previous + gapMs - now()) / 1000) : config.CODE_RESEND_SECONDS;
        return { status: 'wait', seconds: Math.min(config.CODE_RESEND_SECONDS, Math.max(1, left)) };
      }
      // No code goes out after the day's wrong codes are spent: it could not be tried anyway.
      if (!failures.ok) {
        await store.deleteIfEquals(gapKey, sentAt);
        return { status: 'dailyLimit' };
      }
      const allowed = await limits.codeSends.consume(key);
      if (!allowed.ok) {
        // No code went out, so the gap must not make the next answer "wait" instead of "limit".
        await store.deleteIfEquals(gapKey, sentAt);
        return { status: 'limit' };
      }

      const code = newCode();
      const secretKey = `code:${key}`;
      // putSecret overwrites: the previous code (and its try count) dies here.
      await store.putSecret(
        secretKey,
        { hash: codeHash(key, code), data: JSON.stringify({ sentAt: Number(sentAt) }) },
        config.CODE_TTL_SECONDS * 1000,
      );
      const minutes = Math.ceil(config.CODE_TTL_SECONDS / 60);
      // The email goes out after the reply: a slow mail server must not hold the chat, and
      // composing it waits for the next turn of the event loop, off the reply's path.
      const delivery = sending.track(
        new Promise((resolve) => setImmediate(resolve))
          .then(() => mailer.sendCode(account.email, code, locale, minutes))
          .then(
            () => true,
            async () => {
              // Nobody received this code: the person may ask again at once, and the code dies
              // unless a newer one has replaced it (a newer one can only follow the gap's end).
              if (await store.deleteIfEquals(gapKey, sentAt).catch(() => false)) await store.delete(secretKey).catch(() => undefined);
              return false;
            },
          ),
      );
      return { status: 'sent', expiresInMinutes: minutes, delivery };
    },

    async verify(account, code): Promise<VerifyCodeResult> {
      const key = accountKey(account);
      const candidate = code.trim();
      // Guessing across many codes and hours is bounded too: past the day's wrong codes, the code
      // dies and the try's outcome is never told (the two are read together, to save a round trip).
      const [failures, attempt] = await Promise.all([
        limits.codeFailures.peek(key),
        store.attemptSecret(`code:${key}`, codeHash(key, candidate), config.CODE_MAX_TRIES),
      ]);
      if (!failures.ok) {
        await store.delete(`code:${key}`);
        return { status: 'dailyLimit' };
      }
      if (attempt.result === 'ok') return { status: 'ok' };
      if (attempt.result === 'wrong') {
        await limits.codeFailures.consume(key);
        return { status: 'wrong', triesLeft: attempt.triesLeft };
      }
      return { status: 'expired' };
    },

    drain: (timeoutMs) => sending.drain(timeoutMs),
  };
}
