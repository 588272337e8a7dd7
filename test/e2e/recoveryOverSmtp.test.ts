import { codeInText, spacedCode } from '../../src/recovery/mail';
import { simpleParser, type ParsedMail } from 'mailparser';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DemoDirectory } from '../../src/recovery/demoDirectory';
import { createLogger } from '../../src/log';
import { startTestApp, type TestApp } from '../helpers/app';
import { MARIA, linkIn, pickOption, setNewKey } from '../helpers/demo';

/** A whole recovery with the email delivered over real SMTP, and the logs checked for personal data. */
let smtp: SMTPServer;
let harness: TestApp;
const mails: ParsedMail[] = [];
const logLines: string[] = [];
const directory = DemoDirectory.fromFile('src/recovery/demo-accounts.json', 'test-secret-0123456789-0123456789-abcd');

beforeAll(async () => {
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then((mail) => mails.push(mail))
        .then(() => callback(), callback);
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  const port = (smtp.server.address() as AddressInfo).port;
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logLines.push(chunk.toString());
      done();
    },
  });
  harness = await startTestApp(
    { SMTP_URL: `smtp://127.0.0.1:${port}`, SERVER_SECRET: 'test-secret-0123456789-0123456789-abcd' },
    { log: createLogger('debug', sink), directory },
  );
});

afterAll(async () => {
  await harness?.close();
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
});

const waitForMail = (count: number) => expect.poll(() => mails.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(count);

it('recovers a key from "hola" to the new key, with mail over SMTP and nothing personal in the logs', async () => {
  const chat = harness.chat('console');
  expect((await chat.say('hola')).join('\n')).toMatch(/Recuperar mi clave/);
  expect((await chat.say('1')).join('\n')).toMatch(/cédula/);
  expect((await chat.say(MARIA.cedula)).join('\n')).toMatch(/día y mes de nacimiento/);
  const first = (await chat.say(MARIA.birth)).join('\n');
  const second = (await chat.say(pickOption(first, MARIA.answers))).join('\n');
  const email = (await chat.say(pickOption(second, MARIA.answers))).join('\n');
  expect(email).toMatch(/ma\S*@\S+/);
  expect(email).not.toContain(MARIA.email);

  expect((await chat.say('sí')).join('\n')).toMatch(/Te envié un código/);
  await waitForMail(1);
  const codeMail = mails[0];
  expect(codeMail.to && 'text' in codeMail.to ? codeMail.to.text : '').toContain(MARIA.email);
  const code = codeInText(codeMail.text ?? '');
  expect(code).toMatch(/^\d{6}$/);
  expect(codeMail.text).toMatch(/10 minutos/);
  expect(codeMail.text).toMatch(/gratuito|gratis/i);
  expect(codeMail.html).toContain(spacedCode(code!));

  const verified = (await chat.say(code!)).join('\n');
  expect(verified).toMatch(/Código correcto/);
  const { url, token } = linkIn(verified);
  expect(url.startsWith(harness.config.PUBLIC_BASE_URL)).toBe(true);

  // With a real mail server there is no outbox to show.
  expect((await fetch(`${harness.url}/dev/outbox`)).status).toBe(404);

  const page = await fetch(`${harness.url}/clave/nueva`);
  expect(page.status).toBe(200);
  expect(page.headers.get('referrer-policy')).toBe('no-referrer');
  expect(page.headers.get('content-security-policy')).toMatch(/default-src/);

  const setKey = (key: string, confirm = key) => setNewKey(harness.url, token, key, confirm);
  expect(await setKey('abc')).toBe(400);
  expect(await setKey('Nueva2026', 'Nueva2027')).toBe(400);
  expect(await setKey('Nueva2026')).toBe(200);
  expect(await setKey('Otra2026')).toBe(410);
  expect(await directory.keyMatches(await directory.findAccount({ kind: 'person', cedula: MARIA.cedula }) as string, 'Nueva2026')).toBe(true);

  await expect.poll(() => chat.later.join('\n'), { timeout: 5_000 }).toMatch(/clave del IESS fue cambiada/);
  await waitForMail(2);
  expect(mails[1].subject).toBeTruthy();
  expect(mails[1].text).not.toContain('Nueva2026');

  const logs = logLines.join('');
  expect(logLines.length).toBeGreaterThan(0);
  for (const secret of [MARIA.cedula, MARIA.email, code!, token, 'Nueva2026']) expect(logs).not.toContain(secret);
});
