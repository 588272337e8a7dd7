import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { readFile } from 'node:fs/promises';
import type restify from 'restify';
import { z } from 'zod';
import type { Config } from '../config';
import { OUTBOX_FILE, readOutbox } from '../recovery/mail';
import { escapeHtml } from '../html';
import { sendSecurityHeaders } from './security';

/** The settings this module reads. */
export type OutboxPageConfig = Pick<Config, 'OUTBOX_DIR'>;

const secure = (res: restify.Response) =>
  sendSecurityHeaders(res, "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'");

/**
 * Development only (the app registers it when there is no SMTP server): the emails written
 * to OUTBOX_DIR, so a newcomer can read their code without a mail server. Developer-facing,
 * so its few words are not in locales/.
 */
export function registerOutboxPage(server: restify.Server, deps: { config: OutboxPageConfig }): void {
  const dir = deps.config.OUTBOX_DIR;

  server.get('/dev/outbox', async (_req: restify.Request, res: restify.Response) => {
    const mails = (await readOutbox(dir)).sort((a, b) => b.file.localeCompare(a.file));
    const rows = mails
      .map(
        (m) =>
          `<tr><td>${escapeHtml(m.date.toISOString())}</td><td>${escapeHtml(m.to)}</td>` +
          `<td><a href="outbox/${encodeURIComponent(m.file)}">${escapeHtml(m.subject || '(no subject)')}</a></td></tr>`,
      )
      .join('\n');
    const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Outbox</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem}table{border-collapse:collapse}td,th{padding:.3rem .8rem;border-bottom:1px solid #ccc;text-align:left}</style>
</head><body><h1>Outbox (${mails.length})</h1>
<p>Emails written to <code>${escapeHtml(dir)}</code>, newest first.</p>
<table><thead><tr><th>Date</th><th>To</th><th>Subject</th></tr></thead><tbody>
${rows}
</tbody></table></body></html>`;
    secure(res);
    res.sendRaw(200, html, { 'Content-Type': 'text/html; charset=utf-8' });
  });

  server.get('/dev/outbox/:file', async (req: restify.Request, res: restify.Response) => {
    // restify leaves `req.params` untyped; anything but a string name is no outbox file.
    const file = z.object({ file: z.string() }).safeParse(req.params).data?.file ?? '';
    secure(res);
    // Only names the outbox itself writes: no slashes, no dots beyond ".eml", no traversal.
    if (!OUTBOX_FILE.test(file)) {
      res.sendRaw(404, 'Not found\n', { 'Content-Type': 'text/plain; charset=utf-8' });
      return;
    }
    const raw = await readFile(join(dir, file)).catch(() => undefined);
    if (!raw) {
      res.sendRaw(404, 'Not found\n', { 'Content-Type': 'text/plain; charset=utf-8' });
      return;
    }
    const mail = await simpleParser(raw);
    const to = Array.isArray(mail.to) ? mail.to.map((a) => a.text).join(', ') : (mail.to?.text ?? '');
    const text = [
      `From: ${mail.from?.text ?? ''}`,
      `To: ${to}`,
      `Date: ${mail.date?.toISOString() ?? ''}`,
      `Subject: ${mail.subject ?? ''}`,
      '',
      mail.text ?? '',
    ].join('\n');
    res.sendRaw(200, text, { 'Content-Type': 'text/plain; charset=utf-8' });
  });
}
