import { randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { simpleParser, type AddressObject } from 'mailparser';
import nodemailer from 'nodemailer';
import type { Config } from '../config';
import { escapeHtml } from '../html';
import { type Locale, type Texts, pickLocale } from '../i18n';
import { type Logger, logTag } from '../log';
import type { Mailer } from './types';

/** The settings this module reads. */
export type MailConfig = Pick<Config, 'DEFAULT_LOCALE' | 'MAIL_FROM' | 'OUTBOX_DIR' | 'SERVER_SECRET' | 'SMTP_URL'>;

/** Outbox file names: `<ISO time with - for :>-<random hex>.eml`; nothing else is ever read. */
export const OUTBOX_FILE = /^\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}\.\d{3}Z-[0-9a-f]{8}\.eml$/;

/** Mainland Ecuador's clock, for the time written in the change notice. */
const ECUADOR_TIME_ZONE = 'America/Guayaquil';

interface Message {
  subject: string;
  text: string;
  html: string;
}

/**
 * Builds one email from locale lines. Every line goes through escapeHtml whole, so neither
 * interpolated values nor operator facts can inject markup.
 */
function compose(locale: Locale, subject: string, paragraphs: string[], first?: string): Message {
  const textParts = first ? [first, ...paragraphs] : paragraphs;
  const htmlParts = paragraphs.map((p) => `<p style="margin:0 0 12px">${escapeHtml(p)}</p>`);
  // The code comes first and large: it is what the person opened the email for, and a phone's preview shows it.
  if (first)
    htmlParts.unshift(
      `<p style="margin:0 0 16px;font-size:32px;font-weight:bold;letter-spacing:4px;font-family:monospace">${escapeHtml(first)}</p>`,
    );
  const lang = locale.split('-')[0];
  const html = `<!doctype html><html lang="${lang}"><head><meta name="viewport" content="width=device-width, initial-scale=1"></head><body style="font-family:Arial,sans-serif;font-size:16px;color:#1a1a1a;line-height:1.4">${htmlParts.join('')}</body></html>`;
  return { subject, text: `${textParts.join('\n\n')}\n`, html };
}

/** "123456" → "123 456": two groups are easier to read and to copy on a phone. */
export const spacedCode = (code: string) => `${code.slice(0, 3)} ${code.slice(3)}`;

/** The code an email carries, written "123 456" (or "123456"). */
export function codeInText(text: string): string | undefined {
  const match = /\b(\d{3}) ?(\d{3})\b/.exec(text);
  return match ? match[1] + match[2] : undefined;
}

function codeMessage(texts: Texts, locale: Locale, code: string, minutes: number): Message {
  const t = (key: string, vars?: Record<string, unknown>) => texts.t(locale, `email:code.${key}`, vars);
  // Short enough to read without scrolling on a phone: the code, what it is for and for how long, the safety note.
  return compose(locale, t('subject'), [t('intro', { minutes }), t('neverShare'), t('notYou'), t('signature')], spacedCode(code));
}

function keyChangedMessage(texts: Texts, locale: Locale, when: Date): Message {
  const t = (key: string, vars?: Record<string, unknown>) => texts.t(locale, `email:changed.${key}`, vars);
  const tag = locale === 'en' ? 'en-US' : 'es-EC';
  const date = new Intl.DateTimeFormat(tag, { dateStyle: 'long', timeZone: ECUADOR_TIME_ZONE }).format(when);
  const time = new Intl.DateTimeFormat(tag, { timeStyle: 'short', timeZone: ECUADOR_TIME_ZONE }).format(when);
  return compose(locale, t('subject'), [t('greeting'), t('body', { date, time }), t('notYou'), t('neverAsk'), t('signature')]);
}

/**
 * SMTP settings SMTP_URL does not give: a pool of reused connections (one handshake per code
 * made the code step the slowest under load) and time limits short enough that a person
 * whose email failed hears it within a minute, not after nodemailer's default ten.
 */
const SMTP_DEFAULTS = { pool: 'true', connectionTimeout: '10000', greetingTimeout: '10000', socketTimeout: '30000' };

function smtpUrlWithDefaults(smtpUrl: string): string {
  try {
    const url = new URL(smtpUrl);
    for (const [name, value] of Object.entries(SMTP_DEFAULTS)) if (!url.searchParams.has(name)) url.searchParams.set(name, value);
    return url.toString();
  } catch {
    return smtpUrl;
  }
}

/**
 * Email through nodemailer: SMTP when SMTP_URL is set; otherwise each message is written to
 * OUTBOX_DIR as a .eml file (listed at /dev/outbox) so a recovery works with no mail server.
 */
export function createMailer(config: MailConfig, texts: Texts, log: Logger): Mailer & { close(): void } {
  const outbox = !config.SMTP_URL;
  const transport = config.SMTP_URL
    ? nodemailer.createTransport(smtpUrlWithDefaults(config.SMTP_URL))
    : nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  // Deliveries report their own failures; an error outside one (a pooled connection, a token
  // refresh) is logged, never left to end the process.
  transport.on('error', (err: Error & { code?: string }) => log.warn({ err: { type: err.name, code: err.code } }, 'mail transport error'));

  // Outbox names sort in sending order, even for two messages in the same millisecond.
  let lastStamp = 0;
  const nextStamp = () => (lastStamp = Math.max(Date.now(), lastStamp + 1));

  async function deliver(to: string, message: Message, purpose: string): Promise<void> {
    const info = await transport.sendMail({
      from: config.MAIL_FROM,
      to,
      subject: message.subject,
      text: message.text,
      html: message.html,
      headers: { 'Auto-Submitted': 'auto-generated' },
    });
    if (outbox) {
      const raw = (info as { message?: Buffer }).message;
      if (!raw) throw new Error('the stream transport returned no message');
      await mkdir(config.OUTBOX_DIR, { recursive: true });
      const name = `${new Date(nextStamp()).toISOString().replace(/:/g, '-')}-${randomBytes(4).toString('hex')}.eml`;
      const path = join(config.OUTBOX_DIR, name);
      // Written under another name first, so a reader never sees half a message.
      await writeFile(`${path}.tmp`, raw);
      await rename(`${path}.tmp`, path);
    }
    log.info({ mail: purpose, recipientTag: logTag(to.toLowerCase(), config.SERVER_SECRET), outbox }, 'email sent');
  }

  return {
    async sendCode(to, code, locale, minutes) {
      await deliver(to, codeMessage(texts, pickLocale(locale, config.DEFAULT_LOCALE), code, minutes), 'code');
    },
    async sendKeyChanged(to, locale) {
      await deliver(to, keyChangedMessage(texts, pickLocale(locale, config.DEFAULT_LOCALE), new Date()), 'key_changed');
    },
    close() {
      transport.close();
    },
  };
}

export interface OutboxMail {
  file: string;
  to: string;
  subject: string;
  date: Date;
  text: string;
}

const addressText = (to: AddressObject | AddressObject[] | undefined) =>
  (Array.isArray(to) ? to : to ? [to] : []).flatMap((a) => a.value.map((v) => v.address ?? '')).join(', ');

/** Every email in the outbox folder, parsed (oldest first by file name); [] when the folder is absent. */
export async function readOutbox(dir: string): Promise<OutboxMail[]> {
  const files = await readdir(dir).catch(() => [] as string[]);
  const names = files.filter((f) => OUTBOX_FILE.test(f)).sort();
  return Promise.all(
    names.map(async (file) => {
      const parsed = await simpleParser(await readFile(join(dir, file)));
      return {
        file,
        to: addressText(parsed.to),
        subject: parsed.subject ?? '',
        date: parsed.date ?? new Date(0),
        text: parsed.text ?? '',
      };
    }),
  );
}

/** The newest 6-digit code emailed to `to` (tests and benchmarks read codes this way). */
export async function latestCodeFor(dir: string, to: string): Promise<string | undefined> {
  const wanted = to.trim().toLowerCase();
  const mails = (await readOutbox(dir)).filter((m) => m.to.toLowerCase().split(/,\s*/).includes(wanted));
  for (const mail of mails.reverse()) {
    const code = codeInText(mail.text);
    if (code) return code;
  }
  return undefined;
}
