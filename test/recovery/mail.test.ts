import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../src/config';
import { DEFAULT_FACTS, Texts } from '../../src/i18n';
import { createLogger } from '../../src/log';
import { codeInText, createMailer, latestCodeFor, OUTBOX_FILE, readOutbox } from '../../src/recovery/mail';

const texts = new Texts();
const log = createLogger('silent');

/** A real SMTP peer on a free port: every message it accepts, parsed, with its envelope. */
interface Received {
  mail: ParsedMail;
  rcpt: string[];
}
let smtp: SMTPServer;
let smtpUrl: string;
const received: Received[] = [];

beforeAll(async () => {
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        simpleParser(Buffer.concat(chunks)).then(
          (mail) => {
            received.push({ mail, rcpt: session.envelope.rcptTo.map((r) => r.address) });
            callback();
          },
          (err: Error) => callback(err),
        );
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  smtpUrl = `smtp://127.0.0.1:${(smtp.server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => smtp.close(resolve));
});

describe('email over SMTP', () => {
  it('sends the code email in Spanish, text and HTML', async () => {
    const mailer = createMailer(testConfig({ SMTP_URL: smtpUrl }), texts, log);
    try {
      await mailer.sendCode('maria.perez@example.org', '042917', 'es-EC', 10);
    } finally {
      mailer.close();
    }
    const { mail, rcpt } = received.at(-1)!;
    expect(rcpt).toEqual(['maria.perez@example.org']);
    // Short enough for a phone's inbox row, and no code in it (subjects end up in mail logs).
    expect(mail.subject).toBe('Tu código para la clave del IESS');
    expect(mail.subject!.length).toBeLessThanOrEqual(35);
    expect(mail.from?.text).toContain('no-responder@localhost');
    const text = mail.text ?? '';
    // The code first, in two groups, easier to read and copy on a phone; read back whole.
    expect(text).toMatch(/^042 917\n/);
    expect(codeInText(text)).toBe('042917');
    expect(text).toContain('Vale 10 minutos');
    expect(text).toContain('No lo compartas con nadie');
    expect(text).toContain('el IESS nunca te pedirá tu clave');
    expect(text).toContain('El trámite es gratuito');
    // Nothing to scroll: five short paragraphs.
    expect(text.trim().split(/\n\n/)).toHaveLength(5);
    expect(text.length).toBeLessThan(360);
    expect(mail.html).toMatch(/<body[^>]*><p[^>]*font-size:32px[^>]*>042 917<\/p>/);
    expect(mail.html).toContain('name="viewport"');
    expect(mail.html).toContain('gratuito');
  });

  it('sends the change notice without any key, with the phone line and the CAU', async () => {
    const mailer = createMailer(testConfig({ SMTP_URL: smtpUrl }), texts, log);
    try {
      await mailer.sendKeyChanged('maria.perez@example.org', 'es-EC');
    } finally {
      mailer.close();
    }
    const { mail } = received.at(-1)!;
    expect(mail.subject).toBe('Tu clave del IESS fue cambiada');
    const text = mail.text ?? '';
    expect(text).toMatch(/fue cambiada el .+ a las \d{1,2}:\d{2}/);
    expect(text).toContain('Si no fuiste tú, llama al 140');
    expect(text).toContain('(CAU)');
    expect(codeInText(text)).toBeUndefined();
  });

  it('writes English when the chat is in English', async () => {
    const mailer = createMailer(testConfig({ SMTP_URL: smtpUrl }), texts, log);
    try {
      await mailer.sendCode('john@example.org', '135790', 'en-US', 10);
    } finally {
      mailer.close();
    }
    const { mail } = received.at(-1)!;
    expect(mail.subject).toBe('Your code for your IESS key');
    expect(mail.text).toMatch(/^135 790\n/);
    expect(mail.text).toContain('valid for 10 minutes');
    expect(mail.text).toContain('The procedure is free.');
  });

  it('escapes values in the HTML body', async () => {
    const hostile = new Texts({ ...DEFAULT_FACTS, phone: '<b>140</b>' });
    const mailer = createMailer(testConfig({ SMTP_URL: smtpUrl }), hostile, log);
    try {
      await mailer.sendKeyChanged('maria.perez@example.org', 'es-EC');
    } finally {
      mailer.close();
    }
    const { mail } = received.at(-1)!;
    expect(mail.html).not.toContain('<b>140</b>');
    expect(mail.html).toContain('&#60;b&#62;140');
  });

  it('rejects when the SMTP server cannot be reached', async () => {
    const mailer = createMailer(testConfig({ SMTP_URL: 'smtp://127.0.0.1:1' }), texts, log);
    try {
      await expect(mailer.sendCode('maria.perez@example.org', '111111', 'es-EC', 10)).rejects.toThrow();
    } finally {
      mailer.close();
    }
  });
});

describe('outbox email', () => {
  let outbox: string;
  beforeAll(() => {
    outbox = mkdtempSync(join(tmpdir(), 'mail-outbox-'));
  });
  afterAll(() => rmSync(outbox, { recursive: true, force: true }));

  it('writes readable .eml files and latestCodeFor finds each person’s newest code', async () => {
    expect(await readOutbox(join(outbox, 'absent'))).toEqual([]);
    const mailer = createMailer(testConfig({ OUTBOX_DIR: outbox }), texts, log);
    await mailer.sendCode('ana@example.org', '111111', 'es-EC', 10);
    await mailer.sendCode('luis@example.org', '222222', 'es-EC', 10);
    await mailer.sendCode('ana@example.org', '333333', 'es-EC', 10);
    await mailer.sendKeyChanged('ana@example.org', 'es-EC');
    mailer.close();

    const mails = await readOutbox(outbox);
    expect(mails).toHaveLength(4);
    for (const m of mails) expect(m.file).toMatch(OUTBOX_FILE);
    expect(mails.map((m) => m.to)).toEqual(['ana@example.org', 'luis@example.org', 'ana@example.org', 'ana@example.org']);
    expect(mails[0].subject).toBe('Tu código para la clave del IESS');
    expect(mails[0].text).toContain('Vale 10 minutos');

    const raw = readFileSync(join(outbox, mails[0].file), 'utf8');
    expect(raw).toMatch(/^To: ana@example\.org$/m);
    expect(raw).toMatch(/^Content-Type: multipart\/alternative/m);

    expect(await latestCodeFor(outbox, 'ana@example.org')).toBe('333333');
    expect(await latestCodeFor(outbox, 'LUIS@example.org')).toBe('222222');
    expect(await latestCodeFor(outbox, 'nadie@example.org')).toBeUndefined();
  });
});
