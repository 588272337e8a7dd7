import type restify from 'restify';
import { z } from 'zod';
import type { Config } from '../config';
import { type Locale, type Texts, pickLocale, siteUrl } from '../i18n';
import { type Logger, logTag } from '../log';
import { KEY_REASONS, keyProblem } from '../recovery/keyRule';
import { NEW_KEY_PATH } from '../recovery/links';
import type { AccountDirectory, KeyOwnerFacts, Mailer, ResetLinkData, ResetLinkService } from '../recovery/types';
import { jsonBody } from '../http/body';
import { escapeHtml, jsonForHtml } from '../html';
import { STRICT_CSP, sendSecurityHeaders } from './security';

/** The settings this module reads. */
export type NewKeyPageConfig = Pick<Config, 'DEFAULT_LOCALE' | 'IESS_SITE' | 'SERVER_SECRET'>;

export interface NewKeyPageDeps {
  config: NewKeyPageConfig;
  texts: Texts;
  links: ResetLinkService;
  directory: AccountDirectory;
  mailer: Mailer;
  log: Logger;
  /** Tells the chat the key changed (the bot speaks in the conversation the link came from). */
  onKeyChanged(data: ResetLinkData): Promise<void>;
}

/** Reasons the page may answer; each maps to `newkey:reasons.<reason>`. */
const PAGE_REASONS = [...KEY_REASONS, 'expired', 'malformed', 'failed'] as const;
export type NewKeyReason = (typeof PAGE_REASONS)[number];

const requestSchema = z.object({
  token: z.string().max(200),
  key: z.string().max(200),
  confirm: z.string().max(200),
});
const statusRequestSchema = z.object({ token: z.string().max(200) });

// Nothing on this page posts a form anywhere.
const PAGE_CSP = STRICT_CSP.replace("form-action 'self'", "form-action 'none'");

/** Headers for every answer here: nothing cached, nothing leaked in a Referer, no framing. */
const secure = (res: restify.Response) => sendSecurityHeaders(res, PAGE_CSP);

function renderPage(texts: Texts, locale: Locale, site: string): string {
  const t = (key: string) => escapeHtml(texts.t(locale, `newkey:${key}`));
  const after = (key: string) => escapeHtml(texts.t(locale, `recovery:afterKey.${key}`));
  const messages = {
    saving: texts.t(locale, 'newkey:saving'),
    done: texts.t(locale, 'newkey:done'),
    reasons: Object.fromEntries([...PAGE_REASONS, 'network'].map((r) => [r, texts.t(locale, `newkey:reasons.${r}`)])),
  };
  // Relative URLs, so the page also works behind a proxy that serves it under a path prefix.
  return `<!doctype html>
<html lang="${locale === 'en' ? 'en' : 'es'}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${t('title')}</title>
<link rel="stylesheet" href="nueva.css">
</head>
<body>
<main>
<h1>${t('title')}</h1>
<p id="rule">${t('rule')}</p>
<noscript><p class="error">${t('noScript')}</p></noscript>
<form id="form" hidden novalidate>
<label for="key">${t('keyLabel')}</label>
<input id="key" name="key" type="password" autocomplete="new-password" autocapitalize="off" spellcheck="false" aria-describedby="rule" required>
<label for="confirm">${t('confirmLabel')}</label>
<input id="confirm" name="confirm" type="password" autocomplete="new-password" autocapitalize="off" spellcheck="false" aria-describedby="rule" required>
<label class="inline"><input id="show" type="checkbox"> ${t('show')}</label>
<button id="submit" type="submit">${t('submit')}</button>
</form>
<p id="status" role="alert" aria-live="assertive"></p>
<section id="next" hidden>
<a id="try" class="button" href="${escapeHtml(siteUrl(site))}" target="_blank" rel="noopener noreferrer">${after('try')}</a>
<p>${after('safe')}</p>
<p>${after('contact')}</p>
<p>${t('backToChat')}</p>
</section>
<p class="note" id="privacy">${t('privacy')}</p>
</main>
<script type="application/json" id="texts">${jsonForHtml(messages)}</script>
<script src="nueva.js"></script>
</body>
</html>
`;
}

/** The page's behaviour, served as its own file so the CSP needs no inline script. */
const PAGE_SCRIPT = `(function () {
  'use strict';
  var texts = JSON.parse(document.getElementById('texts').textContent);
  var form = document.getElementById('form');
  var key = document.getElementById('key');
  var confirm = document.getElementById('confirm');
  var show = document.getElementById('show');
  var submit = document.getElementById('submit');
  var status = document.getElementById('status');
  var next = document.getElementById('next');
  var rule = document.getElementById('rule');
  // The token lives in the fragment (never sent to servers); take it off the address bar and history.
  var token = location.hash.slice(1);
  if (location.hash) history.replaceState(null, '', location.pathname + location.search);

  function say(message, kind) { status.textContent = message; status.className = kind; }
  function finish(message, kind) { form.hidden = true; say(message, kind); }
  // The key rule lives on the server (src/recovery/keyRule.ts): the page shows its reason.
  function refused(reason) {
    var field = reason === 'mismatch' ? confirm : key;
    field.setAttribute('aria-invalid', 'true');
    say(texts.reasons[reason] || texts.reasons.failed, 'error');
    field.focus();
  }
  function post(path, body) {
    return fetch(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      cache: 'no-store',
      credentials: 'omit'
    }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (answer) {
        if (res.status === 410) return { ok: false, reason: 'expired' };
        if (!answer || typeof answer.ok !== 'boolean') return { ok: false, reason: 'failed' };
        return answer;
      });
    });
  }

  if (!/^[A-Za-z0-9_-]{43}$/.test(token)) { finish(texts.reasons.expired, 'error'); return; }
  form.hidden = false;
  post('../api/clave/estado', { token: token }).then(function (answer) {
    if (!answer.ok && answer.reason === 'expired') finish(texts.reasons.expired, 'error');
  }, function () {});

  show.addEventListener('change', function () {
    key.type = confirm.type = show.checked ? 'text' : 'password';
  });
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    key.removeAttribute('aria-invalid');
    confirm.removeAttribute('aria-invalid');
    submit.disabled = true;
    say(texts.saving, 'info');
    post('../api/clave/nueva', { token: token, key: key.value, confirm: confirm.value }).then(function (answer) {
      if (answer.ok) {
        key.value = ''; confirm.value = ''; finish(texts.done, 'ok');
        // What to do next: try the key on the official site, keep it safe, keep the contact data current.
        next.hidden = false;
        rule.hidden = true;
        return;
      }
      if (answer.reason === 'expired' || answer.reason === 'failed') { finish(texts.reasons[answer.reason], 'error'); return; }
      refused(answer.reason);
    }, function () {
      say(texts.reasons.network, 'error');
    }).then(function () { submit.disabled = false; });
  });
})();
`;

const PAGE_STYLE = `*{box-sizing:border-box}
body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;font-size:1.0625rem;line-height:1.5;color:#1a1a1a;background:#f4f6f8}
main{max-width:28rem;margin:2rem auto;padding:1.5rem;background:#fff;border-radius:.5rem;box-shadow:0 1px 3px rgba(0,0,0,.15)}
h1{font-size:1.4rem;margin:0 0 1rem;color:#00468b}
label{display:block;font-weight:600;margin:1rem 0 .25rem}
label.inline{font-weight:400;display:flex;gap:.5rem;align-items:center}
input[type=password],input[type=text]{width:100%;padding:.6rem;font-size:1.1rem;border:2px solid #666;border-radius:.3rem}
input:focus,button:focus{outline:3px solid #f5a800;outline-offset:2px}
input[aria-invalid=true]{border-color:#b00020}
button{margin-top:1.25rem;width:100%;padding:.75rem;font-size:1.1rem;font-weight:600;color:#fff;background:#00468b;border:0;border-radius:.3rem;cursor:pointer}
button:disabled{opacity:.6}
a.button{display:block;margin:1rem 0;padding:.75rem;min-height:44px;text-align:center;font-size:1.1rem;font-weight:600;color:#fff;background:#00468b;border-radius:.3rem;text-decoration:none}
a.button:focus{outline:3px solid #f5a800;outline-offset:2px}
#next p{margin:.75rem 0}
#status:empty{display:none}
#status,.error{padding:.75rem;border-radius:.3rem;margin:1rem 0 0}
.error{background:#fdecee;color:#8a0016}
.ok{background:#e8f5e9;color:#1b5e20}
.info{background:#e8f0fa;color:#00345f}
.note{font-size:.95rem;color:#444;margin-top:1.5rem}
`;

type JsonAnswer = { ok: true } | { ok: false; reason: NewKeyReason };

function answer(res: restify.Response, status: number, body: JsonAnswer): void {
  secure(res);
  res.send(status, body);
}

/**
 * The new-key page: GET /clave/nueva (+ its script and style), POST /api/clave/estado (is the
 * link still good?) and POST /api/clave/nueva (set the key). Only body-reading for these routes.
 */
export function registerNewKeyPage(server: restify.Server, deps: NewKeyPageDeps): void {
  const { config, texts, links, directory, mailer, log } = deps;
  // JSON only: a form or text/plain post from another site never reaches the handlers.
  const readBody = jsonBody({ maxBytes: 4096, refuse: (res, refused) => answer(res, refused.status, { ok: false, reason: 'malformed' }) });
  const tag = (accountId: string) => logTag(accountId, config.SERVER_SECRET);

  server.get(NEW_KEY_PATH, (req: restify.Request, res: restify.Response, next: restify.Next) => {
    const lang = new URLSearchParams(req.getQuery() || '').get('lang') ?? undefined;
    const locale = pickLocale(lang, config.DEFAULT_LOCALE);
    secure(res);
    res.sendRaw(200, renderPage(texts, locale, config.IESS_SITE), { 'Content-Type': 'text/html; charset=utf-8' });
    next();
  });
  server.get(`${NEW_KEY_PATH}.js`, (_req: restify.Request, res: restify.Response, next: restify.Next) => {
    secure(res);
    res.sendRaw(200, PAGE_SCRIPT, { 'Content-Type': 'text/javascript; charset=utf-8' });
    next();
  });
  server.get(`${NEW_KEY_PATH}.css`, (_req: restify.Request, res: restify.Response, next: restify.Next) => {
    secure(res);
    res.sendRaw(200, PAGE_STYLE, { 'Content-Type': 'text/css; charset=utf-8' });
    next();
  });

  server.post('/api/clave/estado', readBody, async (req: restify.Request, res: restify.Response) => {
    const body = statusRequestSchema.safeParse(req.body);
    if (!body.success) return answer(res, 400, { ok: false, reason: 'malformed' });
    const data = await links.peek(body.data.token);
    answer(res, data ? 200 : 410, data ? { ok: true } : { ok: false, reason: 'expired' });
  });

  server.post('/api/clave/nueva', readBody, async (req: restify.Request, res: restify.Response) => {
    const body = requestSchema.safeParse(req.body);
    if (!body.success) return answer(res, 400, { ok: false, reason: 'malformed' });
    const { token, key, confirm } = body.data;

    // The link is checked before the key so a dead link is said first; it is used up only
    // once the key is acceptable, so a typo does not cost the person their link.
    const link = await links.peek(token);
    if (!link) return answer(res, 410, { ok: false, reason: 'expired' });
    let owner: KeyOwnerFacts;
    try {
      owner = await directory.keyOwnerFacts(link.accountId);
    } catch (err) {
      log.error({ err: { type: (err as Error).name }, account: tag(link.accountId) }, 'directory could not say whose key this is');
      return answer(res, 500, { ok: false, reason: 'failed' });
    }
    const problem = keyProblem(key, confirm, owner);
    if (problem) return answer(res, 400, { ok: false, reason: problem });
    const data = await links.consume(token);
    if (!data) return answer(res, 410, { ok: false, reason: 'expired' });

    try {
      await directory.setKey(data.accountId, key);
    } catch (err) {
      log.error({ err: { type: (err as Error).name }, account: tag(data.accountId) }, 'directory refused the new key');
      return answer(res, 500, { ok: false, reason: 'failed' });
    }
    log.info({ kind: data.kind, account: tag(data.accountId) }, 'key changed');

    // The key is already changed: a failed notice or chat message is logged, never reported as failure.
    try {
      const contact = await directory.contact(data.accountId);
      await mailer.sendKeyChanged(contact.email, data.locale);
    } catch (err) {
      log.warn({ err: { type: (err as Error).name }, account: tag(data.accountId) }, 'could not email the change notice');
    }
    try {
      await deps.onKeyChanged(data);
    } catch (err) {
      log.warn({ err: { type: (err as Error).name } }, 'could not tell the chat the key changed');
    }
    answer(res, 200, { ok: true });
  });
}
