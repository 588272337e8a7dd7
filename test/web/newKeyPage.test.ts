import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Script } from 'node:vm';
import restify from 'restify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testConfig } from '../../src/config';
import { Texts } from '../../src/i18n';
import { createLogger } from '../../src/log';
import { createResetLinkService, linkTokenFromUrl } from '../../src/recovery/links';
import { createMailer, readOutbox } from '../../src/recovery/mail';
import type { AccountDirectory, ResetLinkData, ResetLinkService } from '../../src/recovery/types';
import { MemoryKeyValueStore } from '../../src/store/memoryKeyValue';
import { registerNewKeyPage } from '../../src/web/newKeyPage';
import { registerOutboxPage } from '../../src/web/outboxPage';

/** Only what the page uses of the directory: whose key it is, contact and setKey, remembered. */
class KeyRecordingDirectory implements AccountDirectory {
  readonly keys = new Map<string, string>();
  refuse = false;
  unreachable = false;
  async findAccount() {
    return undefined;
  }
  async birthMatches() {
    return false;
  }
  async questions() {
    return [];
  }
  async answersMatch() {
    return false;
  }
  async typedAnswerMatches() {
    return false;
  }
  async contact(_accountId: string) {
    return { email: 'maria.perez@example.org', mailboxLost: false, firstName: 'María' };
  }
  async keyOwnerFacts(_accountId: string) {
    if (this.unreachable) throw new Error('directory unavailable');
    return { numbers: ['1714307103'], birthDate: '1988-03-15' };
  }
  async setKey(accountId: string, newKey: string) {
    if (this.refuse) throw new Error('directory unavailable');
    this.keys.set(accountId, newKey);
  }
  async ready() {
    return true;
  }
}

const data: ResetLinkData = { kind: 'person', accountId: 'acct-1', locale: 'es-EC', conversation: { id: 'conv-1' } };

let outbox: string;
let clock: number;
let store: MemoryKeyValueStore;
let links: ResetLinkService;
let directory: KeyRecordingDirectory;
let changed: ResetLinkData[];
let server: restify.Server;
let base: string;
let mailer: ReturnType<typeof createMailer>;

beforeEach(async () => {
  outbox = mkdtempSync(join(tmpdir(), 'newkey-'));
  clock = Date.now();
  store = new MemoryKeyValueStore(() => clock);
  const config = testConfig({ OUTBOX_DIR: outbox });
  const texts = new Texts();
  const log = createLogger('silent');
  links = createResetLinkService({ store, config });
  directory = new KeyRecordingDirectory();
  changed = [];
  mailer = createMailer(config, texts, log);
  server = restify.createServer({ handleUncaughtExceptions: false });
  registerNewKeyPage(server, {
    config,
    texts,
    links,
    directory,
    mailer,
    log,
    onKeyChanged: async (d) => {
      changed.push(d);
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${server.address().port}`;
});
afterEach(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  mailer.close();
  await store.close();
  rmSync(outbox, { recursive: true, force: true });
});

const newToken = async (d: ResetLinkData = data) => linkTokenFromUrl(await links.create(d))!;
const post = (path: string, body: string, contentType = 'application/json') =>
  fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': contentType }, body });
const setKey = (token: string, key: string, confirm = key) => post('/api/clave/nueva', JSON.stringify({ token, key, confirm }));

function expectSecurityHeaders(res: Response) {
  const csp = res.headers.get('content-security-policy') ?? '';
  expect(csp).toContain("default-src 'none'");
  expect(csp).toContain("script-src 'self'");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).not.toContain('unsafe-inline');
  expect(res.headers.get('referrer-policy')).toBe('no-referrer');
  expect(res.headers.get('cache-control')).toBe('no-store');
  expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  expect(res.headers.get('x-frame-options')).toBe('DENY');
}

describe('new-key page', () => {
  it('serves a Spanish page with strict headers and no inline script', async () => {
    const res = await fetch(`${base}/clave/nueva`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    expectSecurityHeaders(res);
    const html = await res.text();
    expect(html).toContain('<html lang="es">');
    expect(html).toContain('Crea tu nueva clave del IESS');
    expect(html).toContain('de 6 a 15 caracteres: letras y/o números, sin símbolos');
    expect(html).toMatch(/<label for="key">/);
    expect(html).toMatch(/<label for="confirm">/);
    // Every <script> either loads a file from this server or is a JSON data block (never executed).
    for (const tag of html.match(/<script[^>]*>/g) ?? []) {
      expect(tag).toMatch(/src="nueva\.js"|type="application\/json"/);
    }
    const texts = JSON.parse(/<script type="application\/json" id="texts">([^<]*)<\/script>/.exec(html)![1]);
    expect(texts.reasons.mismatch).toBe('Las dos claves no son iguales. Escríbelas otra vez.');
    // Every reason the API can answer has its sentence on the page.
    for (const reason of ['personal', 'common', 'sequence', 'too_short', 'symbols', 'expired', 'failed']) {
      expect(texts.reasons[reason], reason).toMatch(/\w{3}/);
    }
    expect(texts.reasons.personal).toContain('cédula o tu fecha de nacimiento');
    // What to do once the key is changed waits hidden; the page's script shows it (test/browser/newKeyPage.test.ts).
    const next = /<section id="next" hidden>([\s\S]*?)<\/section>/.exec(html)?.[1] ?? '';
    expect(next).toContain(
      '<a id="try" class="button" href="https://www.iess.gob.ec" target="_blank" rel="noopener noreferrer">Probar mi clave ahora</a>',
    );
    expect(next).toContain('nadie del IESS te la va a pedir');
    expect(next).toContain('Actualiza tus datos en un CAU');
  });

  it('serves English with ?lang=en', async () => {
    const html = await (await fetch(`${base}/clave/nueva?lang=en`)).text();
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('Create your new IESS key');
    const texts = JSON.parse(/<script type="application\/json" id="texts">([^<]*)<\/script>/.exec(html)![1]);
    expect(texts.reasons.common).toBe('That key is one of the most used and is easy to guess. Choose one only you know.');
  });

  it('speaks usted when the chat did (?lang=es-EC-x-usted)', async () => {
    const html = await (await fetch(`${base}/clave/nueva?lang=es-EC-x-usted`)).text();
    expect(html).toContain('<html lang="es">');
    expect(html).toContain('Cree su nueva clave del IESS');
    const texts = JSON.parse(/<script type="application\/json" id="texts">([^<]*)<\/script>/.exec(html)![1]);
    expect(texts.reasons.common).toBe('Esa clave es de las más usadas y se adivina fácil. Elija una que solo usted conozca.');
  });

  it('serves its script and style as files, with the same headers', async () => {
    const js = await fetch(`${base}/clave/nueva.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toContain('text/javascript');
    expectSecurityHeaders(js);
    const script = await js.text();
    expect(script).toContain('history.replaceState');
    // It must at least be valid JavaScript (no browser here to run it).
    expect(() => new Script(script)).not.toThrow();
    const css = await fetch(`${base}/clave/nueva.css`);
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toContain('text/css');
  });

  it('says whether a link is still good without using it up', async () => {
    const token = await newToken();
    const good = await post('/api/clave/estado', JSON.stringify({ token }));
    expect(good.status).toBe(200);
    expectSecurityHeaders(good);
    expect(await good.json()).toEqual({ ok: true });
    expect(await links.peek(token)).toEqual(data);
    const dead = await post('/api/clave/estado', JSON.stringify({ token: 'A'.repeat(43) }));
    expect(dead.status).toBe(410);
    expect(await dead.json()).toEqual({ ok: false, reason: 'expired' });
  });

  it('sets a good key once, emails the notice and tells the chat once', async () => {
    const token = await newToken();
    const res = await setKey(token, 'Quito2026');
    expect(res.status).toBe(200);
    expectSecurityHeaders(res);
    expect(await res.json()).toEqual({ ok: true });
    expect(directory.keys.get('acct-1')).toBe('Quito2026');
    expect(changed).toEqual([data]);

    const mails = await readOutbox(outbox);
    expect(mails).toHaveLength(1);
    expect(mails[0].to).toBe('maria.perez@example.org');
    expect(mails[0].subject).toBe('Tu clave del IESS fue cambiada');
    expect(mails[0].text).not.toContain('Quito2026');

    const again = await setKey(token, 'Guayaquil1');
    expect(again.status).toBe(410);
    expect(await again.json()).toEqual({ ok: false, reason: 'expired' });
    expect(directory.keys.get('acct-1')).toBe('Quito2026');
    expect(changed).toHaveLength(1);
  });

  it('refuses an expired link with 410', async () => {
    const token = await newToken();
    clock += 901_000;
    const res = await setKey(token, 'Quito2026');
    expect(res.status).toBe(410);
    expect(await res.json()).toEqual({ ok: false, reason: 'expired' });
    expect(directory.keys.size).toBe(0);
    expect(changed).toHaveLength(0);
  });

  it('refuses bad keys with 400 and the reason, keeping the link usable', async () => {
    const token = await newToken();
    const cases: Array<[string, string, string]> = [
      ['abc12', 'abc12', 'too_short'],
      ['abcdefghij123456', 'abcdefghij123456', 'too_long'],
      ['clave 123', 'clave 123', 'symbols'],
      ['clave#123', 'clave#123', 'symbols'],
      ['contraseña1', 'contraseña1', 'symbols'],
      ['Cotopaxi58', 'Cotopaxi59', 'mismatch'],
      // The person's own cédula and birth date, in the forms people use (the directory says whose key it is).
      ['1714307103', '1714307103', 'personal'],
      ['maria7103', 'maria7103', 'personal'],
      ['15031988', '15031988', 'personal'],
      ['Maria1988', 'Maria1988', 'personal'],
      ['quito150388', 'quito150388', 'personal'],
      // The published list of the commonest keys, whatever the case.
      ['123456', '123456', 'common'],
      ['PASSWORD1', 'PASSWORD1', 'common'],
      // Runs and keyboard rows that are not in the list.
      ['zyxw98765', 'zyxw98765', 'sequence'],
      ['mmmmmm77', 'mmmmmm77', 'sequence'],
    ];
    for (const [key, confirm, reason] of cases) {
      const res = await setKey(token, key, confirm);
      expect(res.status, key).toBe(400);
      expect(await res.json(), key).toEqual({ ok: false, reason });
    }
    expect(directory.keys.size).toBe(0);
    const good = await setKey(token, 'Cotopaxi58');
    expect(good.status).toBe(200);
    expect(directory.keys.get('acct-1')).toBe('Cotopaxi58');
  });

  it('answers 400 to malformed requests, and 413 to oversized ones', async () => {
    const token = await newToken();
    for (const body of [
      '{"token":',
      'null',
      '[]',
      JSON.stringify({ token, key: 'abc123' }),
      JSON.stringify({ token, key: 1, confirm: 1 }),
    ]) {
      const res = await post('/api/clave/nueva', body);
      expect(res.status, body).toBe(400);
      expect(await res.json(), body).toEqual({ ok: false, reason: 'malformed' });
    }
    const empty = await fetch(`${base}/api/clave/nueva`, { method: 'POST' });
    expect(empty.status).toBe(400);
    const huge = await setKey(token, 'a'.repeat(5000));
    expect(huge.status).toBe(413);
    expectSecurityHeaders(huge);
    expect(await links.peek(token)).toEqual(data);
  });

  it('answers 500 "failed" when the directory refuses, without telling the chat', async () => {
    directory.refuse = true;
    const res = await setKey(await newToken(), 'Quito2026');
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ ok: false, reason: 'failed' });
    expect(changed).toHaveLength(0);
  });

  it('answers 500 "failed" when the directory cannot say whose key it is, and sets nothing', async () => {
    directory.unreachable = true;
    const token = await newToken();
    const res = await setKey(token, 'Quito2026');
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ ok: false, reason: 'failed' });
    expect(directory.keys.size).toBe(0);
    expect(await links.peek(token)).toEqual(data);
  });
});

describe('dev outbox page', () => {
  it('lists the emails newest first and shows one as plain text', async () => {
    registerOutboxPage(server, { config: testConfig({ OUTBOX_DIR: outbox }) });
    await mailer.sendCode('ana@example.org', '314159', 'es-EC', 10);
    await mailer.sendKeyChanged('ana@example.org', 'es-EC');
    const files = (await readOutbox(outbox)).map((m) => m.file);

    const list = await fetch(`${base}/dev/outbox`);
    expect(list.status).toBe(200);
    expect(list.headers.get('x-frame-options')).toBe('DENY');
    const html = await list.text();
    expect(html).toContain('ana@example.org');
    expect(html.indexOf('Tu clave del IESS fue cambiada')).toBeLessThan(html.indexOf('Tu código para la clave'));
    expect(html).toContain(`href="outbox/${files[0]}"`);

    const one = await fetch(`${base}/dev/outbox/${files[0]}`);
    expect(one.status).toBe(200);
    expect(one.headers.get('content-type')).toContain('text/plain');
    const text = await one.text();
    expect(text).toContain('Subject: Tu código para la clave del IESS');
    expect(text).toContain('314 159');
  });

  it('reads only outbox file names: no traversal, no other files', async () => {
    registerOutboxPage(server, { config: testConfig({ OUTBOX_DIR: outbox }) });
    for (const name of ['..%2F..%2Fetc%2Fpasswd', '%2e%2e', 'package.json', '2026-01-01T00-00-00.000Z-00000000.eml', 'x.eml']) {
      const res = await fetch(`${base}/dev/outbox/${name}`);
      expect(res.status, name).toBe(404);
      expect(await res.text(), name).not.toContain('root:');
    }
  });
});
