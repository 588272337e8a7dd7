import { codeInText } from '../../src/recovery/mail';
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app';
import { chatOn, says } from '../helpers/person';
import { playScenario, scenario } from '../helpers/scenario';

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
  // Gloria asks for a new code at the code question; the first email is refused by the mail server.
  const gloria = scenario('gloria-pide-codigo-nuevo');
  const askAgain = ([] as string[]).concat(gloria.answers.code ?? [])[0];
  const chat = await chatOn('inprocess', harness, {
    readCode: async () => {
      await harness.mailSent();
      expect(codes).toHaveLength(1);
      return codes[0];
    },
  });
  const say = chat.say;
  chat.say = async (text) => {
    if (text !== askAgain) return say(text);
    await expect.poll(() => says(chat.later(), 'code:notSent'), { timeout: 10_000 }).toBe(true);
    expect(await harness.app.services.metrics.registry.getSingleMetricAsString('iess_code_email_failures_total')).toMatch(/ 1$/m);
    refuse = false;
    const replies = await say(text);
    // No "wait 60 seconds": the failed send gave the gap back.
    expect(says(replies, 'code:sent')).toBe(true);
    return replies;
  };
  await playScenario(gloria.name, chat);
  expect(says(chat.read(), 'code:verified')).toBe(true);
});
