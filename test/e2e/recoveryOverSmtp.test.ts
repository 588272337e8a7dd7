import { codeInText, spacedCode } from '../../src/recovery/mail';
import { simpleParser, type ParsedMail } from 'mailparser';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DemoDirectory } from '../../src/recovery/demoDirectory';
import { createLogger } from '../../src/log';
import { startTestApp, type TestApp } from '../helpers/app';
import { MARIA, linkIn, setNewKey } from '../helpers/demo';
import { chatOn, says } from '../helpers/person';
import { playScenario, scenario } from '../helpers/scenario';

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
const NEW_KEY = scenario('maria-olvido-la-clave').newKey;

it('recovers a key from "hola" to the new key, with mail over SMTP and nothing personal in the logs', async () => {
  // The person reads the code in the mail the SMTP peer received.
  const readCode = async (email: string) => {
    await waitForMail(1);
    const code = codeInText([...mails].reverse().find((m) => m.to && 'text' in m.to && m.to.text.includes(email))?.text ?? '');
    if (!code) throw new Error(`no code mailed to ${email}`);
    return code;
  };
  const chat = await chatOn('inprocess', harness, { readCode });
  // Before the good key, a too short one and one that does not match its confirmation: refused, the link still good.
  let linkToken = '';
  const setKey = chat.setKey;
  chat.setKey = async (token, key) => {
    linkToken = token;
    expect(await setNewKey(harness.url, token, 'abc')).toBe(400);
    expect(await setNewKey(harness.url, token, key, `${key}x`)).toBe(400);
    // With a real mail server there is no outbox to show; the page is served with strict headers.
    expect((await fetch(`${harness.url}/dev/outbox`)).status).toBe(404);
    const page = await fetch(`${harness.url}/clave/nueva`);
    expect(page.status).toBe(200);
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.headers.get('content-security-policy')).toMatch(/default-src/);
    return setKey(token, key);
  };
  await playScenario('maria-olvido-la-clave', chat);

  const said = chat.read();
  expect(says(said, 'code:sent')).toBe(true);
  expect(says(said, 'code:verified')).toBe(true);
  // The address is shown masked, never in full.
  expect(said.join('\n')).toMatch(/ma\S*@\S+/);
  expect(said.join('\n')).not.toContain(MARIA.email);
  const { url, token } = linkIn(said.find((m) => m.includes('/clave/nueva')) ?? '');
  expect(token).toBe(linkToken);
  expect(url.startsWith(harness.config.PUBLIC_BASE_URL)).toBe(true);

  const codeMail = mails[0];
  expect(codeMail.to && 'text' in codeMail.to ? codeMail.to.text : '').toContain(MARIA.email);
  const code = codeInText(codeMail.text ?? '');
  expect(code).toMatch(/^\d{6}$/);
  expect(codeMail.text).toMatch(/10 minutos/);
  expect(codeMail.text).toMatch(/gratuito|gratis/i);
  expect(codeMail.html).toContain(spacedCode(code!));

  // The link works once; the directory holds the new key.
  expect(await setNewKey(harness.url, token, 'Otra2026')).toBe(410);
  expect(await directory.keyMatches((await directory.findAccount({ kind: 'person', cedula: MARIA.cedula })) as string, NEW_KEY)).toBe(true);

  await waitForMail(2);
  expect(mails[1].subject).toBeTruthy();
  expect(mails[1].text).not.toContain(NEW_KEY);

  const logs = logLines.join('');
  expect(logLines.length).toBeGreaterThan(0);
  for (const secret of [MARIA.cedula, MARIA.email, code!, token, NEW_KEY]) expect(logs).not.toContain(secret);
});
