import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testConfig } from '../../src/config';
import { createResetLinkService, linkTokenFromUrl } from '../../src/recovery/links';
import type { ResetLinkData } from '../../src/recovery/types';
import { MemoryKeyValueStore } from '../../src/store/memoryKeyValue';

/** The memory store, remembering every key and value written with `set`. */
class RecordingStore extends MemoryKeyValueStore {
  readonly written: Array<[string, string]> = [];
  override async set(key: string, value: string, ttlMs: number) {
    this.written.push([key, value]);
    return super.set(key, value, ttlMs);
  }
}

const data: ResetLinkData = {
  kind: 'person',
  accountId: 'acct-1',
  locale: 'es-EC',
  conversation: { conversation: { id: 'c-1' }, channelId: 'directline' },
};

let clock: number;
let store: RecordingStore;
beforeEach(() => {
  clock = Date.UTC(2026, 0, 15, 15, 0, 0);
  store = new RecordingStore(() => clock);
});
afterEach(() => store.close());

const service = (env: Parameters<typeof testConfig>[0] = {}) =>
  createResetLinkService({ store, config: testConfig({ PUBLIC_BASE_URL: 'https://clave.example.org', ...env }) });

describe('reset links', () => {
  it('builds the URL from PUBLIC_BASE_URL, with the token in the fragment', async () => {
    const url = await service().create(data);
    expect(url).toMatch(/^https:\/\/clave\.example\.org\/clave\/nueva#[A-Za-z0-9_-]{43}$/);
    const withSlash = await service({ PUBLIC_BASE_URL: 'https://example.org/asistente/' }).create(data);
    expect(withSlash).toMatch(/^https:\/\/example\.org\/asistente\/clave\/nueva#[A-Za-z0-9_-]{43}$/);
  });

  it('opens the page in the chat language when it is not the default', async () => {
    const url = await service().create({ ...data, locale: 'en-US' });
    expect(url).toMatch(/^https:\/\/clave\.example\.org\/clave\/nueva\?lang=en#[A-Za-z0-9_-]{43}$/);
    expect(linkTokenFromUrl(url)).toHaveLength(43);
    // A chat that speaks usted opens the page in usted.
    const usted = await service().create({ ...data, locale: 'es-EC-x-usted' });
    expect(usted).toMatch(/^https:\/\/clave\.example\.org\/clave\/nueva\?lang=es-EC-x-usted#[A-Za-z0-9_-]{43}$/);
  });

  it('peek does not use the link up; consume works once', async () => {
    const links = service();
    const token = linkTokenFromUrl(await links.create(data))!;
    expect(await links.peek(token)).toEqual(data);
    expect(await links.peek(token)).toEqual(data);
    expect(await links.consume(token)).toEqual(data);
    expect(await links.consume(token)).toBeUndefined();
    expect(await links.peek(token)).toBeUndefined();
  });

  it('expires after LINK_TTL_SECONDS', async () => {
    const links = service();
    const early = linkTokenFromUrl(await links.create(data))!;
    const late = linkTokenFromUrl(await links.create(data))!;
    clock += 899_000;
    expect(await links.consume(early)).toEqual(data);
    clock += 1_000;
    expect(await links.peek(late)).toBeUndefined();
    expect(await links.consume(late)).toBeUndefined();
  });

  it('every link is different and the store never holds the token', async () => {
    const links = service();
    const tokens = new Set<string>();
    for (let i = 0; i < 20; i++) tokens.add(linkTokenFromUrl(await links.create(data))!);
    expect(tokens.size).toBe(20);
    for (const [key, value] of store.written) {
      for (const token of tokens) {
        expect(key).not.toContain(token);
        expect(value).not.toContain(token);
      }
    }
  });

  it('ignores tokens of the wrong shape', async () => {
    const links = service();
    await links.create(data);
    for (const bad of ['', 'abc', 'x'.repeat(44), `${'a'.repeat(42)}=`, '../../etc/passwd']) {
      expect(await links.peek(bad)).toBeUndefined();
      expect(await links.consume(bad)).toBeUndefined();
    }
    expect(linkTokenFromUrl('https://clave.example.org/clave/nueva#short')).toBeUndefined();
  });
});
