import { codeInText } from '../../src/recovery/mail';
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app';
import { MARIA, pickOption } from '../helpers/demo';

/** The code email goes out after the reply: when the mail server refuses it, the chat hears so and a new code can go at once. */
let smtp: SMTPServer;
let harness: TestApp;
let refuse = true;
const codes: string[] = [];

beforeAll(async () => {
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, _session, callback) {
      if (refuse) {
        stream.resume();
        stream.on('end', () => callback(Object.assign(new Error('Mailbox unavailable'), { responseCode: 550 })));
        return;
      }
      simpleParser(stream)
        .then((mail) => codes.push(codeInText(mail.text ?? '') ?? ''))
        .then(() => callback(), callback);
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  const port = (smtp.server.address() as AddressInfo).port;
  harness = await startTestApp({ SMTP_URL: `smtp://127.0.0.1:${port}` });
});

afterAll(async () => {
  await harness?.close();
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
});

it('tells the chat when the code email was refused, and sends a new one at once', async () => {
  const chat = harness.chat('console');
  await chat.say('hola');
  await chat.say('1');
  await chat.say(MARIA.cedula);
  const first = (await chat.say(MARIA.birth)).join('\n');
  const second = (await chat.say(pickOption(first, MARIA.answers))).join('\n');
  await chat.say(pickOption(second, MARIA.answers));

  expect((await chat.say('sí')).join('\n')).toMatch(/Te envié un código/);
  await expect.poll(() => chat.later.join('\n'), { timeout: 10_000 }).toMatch(/No pude enviar el código a tu correo/);
  expect(await harness.app.services.metrics.registry.getSingleMetricAsString('iess_code_email_failures_total')).toMatch(/ 1$/m);

  // No "wait 60 seconds": the failed send gave the gap back.
  refuse = false;
  expect((await chat.say('reenviar')).join('\n')).toMatch(/Te envié un código/);
  await harness.mailSent();
  expect(codes).toHaveLength(1);
  expect((await chat.say(codes[0])).join('\n')).toMatch(/Código correcto/);
});
