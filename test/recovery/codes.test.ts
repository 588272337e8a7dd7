import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Config, testConfig } from '../../src/config';
import { Texts } from '../../src/i18n';
import { createLogger } from '../../src/log';
import { createCodeService } from '../../src/recovery/codes';
import { createRateLimits, limiterStore } from '../../src/recovery/limits';
import { createMailer, latestCodeFor } from '../../src/recovery/mail';
import type { CodeService, Mailer, VerifiedAccount } from '../../src/recovery/types';
import type { SecretRecord } from '../../src/store/keyValue';
import { MemoryKeyValueStore } from '../../src/store/memoryKeyValue';

/** The memory store, remembering what it was asked to keep. */
class RecordingStore extends MemoryKeyValueStore {
  readonly secrets: Array<{ key: string; record: SecretRecord }> = [];
  readonly keys: string[] = [];
  override async putSecret(key: string, record: SecretRecord, ttlMs: number) {
    this.secrets.push({ key, record });
    return super.putSecret(key, record, ttlMs);
  }
  override async setIfAbsent(key: string, value: string, ttlMs: number) {
    this.keys.push(key);
    return super.setIfAbsent(key, value, ttlMs);
  }
}

const account: VerifiedAccount = {
  kind: 'person',
  accountId: 'acct-1714307103',
  email: 'maria.perez@example.org',
  mailboxLost: false,
  firstName: 'María',
};

let outbox: string;
let clock: number;
let store: RecordingStore;
let config: Config;
let mailer: Mailer & { close(): void };
let codes: CodeService;
const advance = (seconds: number) => {
  clock += seconds * 1000;
};
const code = async (to = account.email) => {
  await codes.drain(5_000);
  const found = await latestCodeFor(outbox, to);
  if (!found) throw new Error('no code in the outbox');
  return found;
};
const sentCount = async () => {
  await codes.drain(5_000);
  return readdirSync(outbox).filter((f) => f.endsWith('.eml')).length;
};

beforeEach(() => {
  outbox = mkdtempSync(join(tmpdir(), 'codes-'));
  clock = Date.UTC(2026, 0, 15, 15, 0, 0);
  store = new RecordingStore(() => clock);
  config = testConfig({ OUTBOX_DIR: outbox });
  mailer = createMailer(config, new Texts(), createLogger('silent'));
  codes = createCodeService({ store, mailer, limits: createRateLimits(config, limiterStore(config)), config, now: () => clock });
});
afterEach(async () => {
  mailer.close();
  await store.close();
  rmSync(outbox, { recursive: true, force: true });
});

describe('emailed codes', () => {
  it('emails 6 digits that work exactly once', async () => {
    expect(await codes.send(account, 'es-EC')).toMatchObject({ status: 'sent', expiresInMinutes: 10 });
    const sent = await code();
    expect(sent).toMatch(/^\d{6}$/);
    expect(await codes.verify(account, sent)).toEqual({ status: 'ok' });
    expect(await codes.verify(account, sent)).toEqual({ status: 'expired' });
  });

  it('dies after 5 wrong tries, even for the right code afterwards', async () => {
    await codes.send(account, 'es-EC');
    const right = await code();
    const wrong = String((Number(right) + 1) % 1_000_000).padStart(6, '0');
    const left: number[] = [];
    for (let i = 0; i < 5; i++) {
      const verdict = await codes.verify(account, wrong);
      if (verdict.status !== 'wrong') throw new Error(`try ${i + 1}: ${verdict.status}`);
      left.push(verdict.triesLeft);
    }
    expect(left).toEqual([4, 3, 2, 1, 0]);
    expect(await codes.verify(account, right)).toEqual({ status: 'expired' });
  });

  it('expires after CODE_TTL_SECONDS', async () => {
    await codes.send(account, 'es-EC');
    const first = await code();
    advance(599);
    expect(await codes.verify(account, first)).toEqual({ status: 'ok' });

    advance(61);
    await codes.send(account, 'es-EC');
    const second = await code();
    advance(600);
    expect(await codes.verify(account, second)).toEqual({ status: 'expired' });
  });

  it('a resend makes a new code and the old one stops working', async () => {
    await codes.send(account, 'es-EC');
    const old = await code();
    advance(61);
    expect((await codes.send(account, 'es-EC')).status).toBe('sent');
    const fresh = await code();
    expect(await sentCount()).toBe(2);
    // Six random digits each time: the same code twice comes once in a million resends.
    expect(fresh).not.toBe(old);
    expect((await codes.verify(account, old)).status).toBe('wrong');
    expect(await codes.verify(account, fresh)).toEqual({ status: 'ok' });
  });

  it('asks to wait CODE_RESEND_SECONDS between sends, with the seconds left', async () => {
    await codes.send(account, 'es-EC');
    expect(await codes.send(account, 'es-EC')).toEqual({ status: 'wait', seconds: 60 });
    advance(45);
    expect(await codes.send(account, 'es-EC')).toEqual({ status: 'wait', seconds: 15 });
    expect(await sentCount()).toBe(1);
    advance(16);
    expect((await codes.send(account, 'es-EC')).status).toBe('sent');
    expect(await sentCount()).toBe(2);
  });

  it('sends at most CODE_MAX_SENDS_PER_HOUR codes per account', async () => {
    const statuses: string[] = [];
    for (let i = 0; i < 5; i++) {
      statuses.push((await codes.send(account, 'es-EC')).status);
      advance(61);
    }
    expect(statuses).toEqual(['sent', 'sent', 'sent', 'limit', 'limit']);
    expect(await sentCount()).toBe(3);
    // Another account is counted apart.
    const other = { ...account, accountId: 'acct-0602910945', email: 'otro@example.org' };
    expect((await codes.send(other, 'es-EC')).status).toBe('sent');
  });

  it('caps wrong codes per account per day across every code, so guessing over hours is bounded', async () => {
    const capped = testConfig({ OUTBOX_DIR: outbox, CODE_FAILURES_PER_DAY: '7', CODE_MAX_SENDS_PER_HOUR: '100' });
    const daily = createCodeService({
      store,
      mailer,
      limits: createRateLimits(capped, limiterStore(capped)),
      config: capped,
      now: () => clock,
    });
    const wrongCode = (right: string) => String((Number(right) + 1) % 1_000_000).padStart(6, '0');
    const sentCode = async () => (await daily.drain(5_000), code());
    // First code: its own five tries, all wrong.
    await daily.send(account, 'es-EC');
    const first = await sentCode();
    for (let i = 0; i < 5; i++) expect((await daily.verify(account, wrongCode(first))).status).toBe('wrong');
    // A new code after the gap: two more wrong tries spend the day's seven.
    advance(61);
    expect((await daily.send(account, 'es-EC')).status).toBe('sent');
    const second = await sentCode();
    expect((await daily.verify(account, wrongCode(second))).status).toBe('wrong');
    expect((await daily.verify(account, wrongCode(second))).status).toBe('wrong');
    // Now even the right code is not tried, and no new code goes out.
    expect(await daily.verify(account, second)).toEqual({ status: 'dailyLimit' });
    advance(3 * 3600);
    expect(await daily.send(account, 'es-EC')).toEqual({ status: 'dailyLimit' });
    await daily.drain(5_000);
    expect(await sentCount()).toBe(2);
    // Another account is counted apart.
    const other = { ...account, accountId: 'acct-0602910945', email: 'otro@example.org' };
    expect((await daily.send(other, 'es-EC')).status).toBe('sent');
  });

  it('stores only a keyed hash, under a key that does not hold the account id', async () => {
    await codes.send(account, 'es-EC');
    const sent = await code();
    expect(store.secrets).toHaveLength(1);
    const [{ key, record }] = store.secrets;
    expect(record.hash).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(record.hash).not.toContain(sent);
    expect(record.data).not.toContain(sent);
    for (const k of [key, ...store.keys]) {
      expect(k).not.toContain(account.accountId);
      expect(k).not.toContain('1714307103');
    }
  });

  it('a failed email leaves no code behind and no wait', async () => {
    const failing: Mailer = {
      sendCode: async () => {
        throw new Error('smtp down');
      },
      sendKeyChanged: async () => {},
    };
    const broken = createCodeService({
      store,
      mailer: failing,
      limits: createRateLimits(config, limiterStore(config)),
      config,
      now: () => clock,
    });
    const sent = await broken.send(account, 'es-EC');
    expect(sent.status).toBe('sent');
    expect(sent.status === 'sent' && (await sent.delivery)).toBe(false);
    expect(await broken.drain(1_000)).toBe(true);
    expect(await broken.verify(account, '123456')).toEqual({ status: 'expired' });
    expect((await codes.send(account, 'es-EC')).status).toBe('sent');
  });
});
