import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type restify from 'restify';
import type { Config } from '../../config';
import { escapeHtml, jsonForHtml } from '../../html';
import { type Language, LOCALES, type Texts } from '../../i18n';
import type { Logger } from '../../log';
import { type LimiterStore, createLimiter } from '../../recovery/limits';
import { startBodySchema } from './activitySchema';
import { type AzureDirectLineConfig, exchangeAzureSecret } from './azure';
import type { ConversationLog } from './conversationLog';
import { openConversation } from './conversations';
import { clientAddress } from '../../http/clientAddress';
import { readJson } from '../../http/body';
import { WEB_DIR } from '../../paths';
import { applyCors, type DirectLineHttpConfig, guardedRoutes, publicOrigin, sendBodyError, sendError } from './http';
import { DIRECTLINE_PREFIX } from './routes';
import type { TokenService } from './tokens';

/** The settings this module reads. */
export type WebChatPageConfig = Pick<
  Config,
  'DEFAULT_LOCALE' | 'DIRECTLINE_ENDPOINT' | 'TOKEN_REQUESTS_PER_MINUTE_PER_IP' | 'TRUSTED_PROXY_HOPS' | 'WEBCHAT_DIRECTLINE'
> &
  DirectLineHttpConfig &
  AzureDirectLineConfig;

export const TOKEN_PATH = '/api/webchat/token';

/** Web Chat's own labels come in 'es-ES' (the closest it ships) and 'en-US'. */
const WEBCHAT_LOCALE: Record<Language, string> = { 'es-EC': 'es-ES', en: 'en-US' };

/**
 * Web Chat's own sentences (screen-reader labels, notices) that its es-ES pack says with
 * "usted": ours, in tú, from locales `webchat:widget.*`.
 */
const WIDGET_STRINGS: Record<string, string> = {
  ACTIVITY_YOU_SAID_ALT: 'youSaid',
  ACTIVITY_YOU_ATTACHED_ALT: 'youAttached',
  ACTIVITY_INTERACTIVE_FOOTNOTE_ALT: 'interactive',
  CONNECTIVITY_STATUS_ALT_RENDER_ERROR: 'renderError',
  TOAST_ACCORDION_TWO: 'notifications',
  TOAST_ACCORDION_FEW: 'notifications',
  TOAST_ACCORDION_MANY: 'notifications',
  TOAST_ACCORDION_OTHER: 'notifications',
  TRANSCRIPT_ARIA_LABEL_ALT: 'history',
  TRANSCRIPT_LIVE_REGION_INTERACTIVE_LABEL_ALT: 'interactiveHint',
  TRANSCRIPT_LIVE_REGION_INTERACTIVE_WITH_LINKS_LABEL_ALT: 'linksHint',
  TRANSCRIPT_LIVE_REGION_SUGGESTED_ACTIONS_LABEL_ALT: 'suggestedHint',
  TRANSCRIPT_LIVE_REGION_SUGGESTED_ACTIONS_WITH_ACCESS_KEY_LABEL_ALT: 'suggestedKeyHint',
};

/** Page texts the browser script needs (errors shown after load, the send box hint). */
const SCRIPT_TEXT_KEYS = [
  'loading',
  'connectError',
  'tooMany',
  'resumed',
  'conversationLost',
  'restartConfirm',
  'placeholder',
  'botInitials',
  'userInitials',
];

export interface ChatPageDeps {
  config: WebChatPageConfig;
  log: Logger;
  conversations: ConversationLog;
  tokens: TokenService;
  origins: Set<string>;
  texts: Texts;
  limits: LimiterStore;
}

function webChatBundlePath(): string {
  const require = createRequire(__filename);
  // The package exports only its entry points; the browser bundle sits in dist/ beside lib/.
  return join(dirname(require.resolve('botframework-webchat')), '..', 'dist', 'webchat.js');
}

/** A static file read once, with its gzip version made on first use. */
function staticAsset(path: string, contentType: string) {
  const body = readFileSync(path);
  let gzipped: Buffer | undefined;
  return async (req: restify.Request, res: restify.Response) => {
    res.header('Content-Type', contentType);
    res.header('Cache-Control', 'public, max-age=3600');
    res.header('X-Content-Type-Options', 'nosniff');
    if (/\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) {
      gzipped ??= gzipSync(body);
      res.header('Content-Encoding', 'gzip');
      res.header('Vary', 'Accept-Encoding');
      res.sendRaw(200, gzipped);
      return;
    }
    res.sendRaw(200, body);
  };
}

/** The locale the page is shown in: `?lang=en` or the default. */
function pageLocale(req: restify.Request, config: WebChatPageConfig): Language {
  const lang = new URL(req.url ?? '/', 'http://localhost').searchParams.get('lang');
  return (LOCALES as readonly string[]).includes(lang ?? '') ? (lang as Language) : config.DEFAULT_LOCALE;
}

/**
 * The widget page (`/` and `/chat`), its script and style, Web Chat's bundle from our own
 * node_modules (no CDN), and `POST /api/webchat/token`, where a page gets a token: from our
 * own Direct Line (self) or, with WEBCHAT_DIRECTLINE=azure, by trading the secret with Azure.
 */
export function registerChatPage(server: restify.Server, deps: ChatPageDeps): void {
  const { config, log, origins, texts } = deps;
  const template = readFileSync(join(WEB_DIR, 'chat.html'), 'utf8');
  // Counted in the shared store, so an address gets as many tokens from all instances as from one.
  const limiter = createLimiter(
    { name: 'token-address', points: config.TOKEN_REQUESTS_PER_MINUTE_PER_IP, durationSeconds: 60, whenStoreFails: 'open' },
    deps.limits,
  );
  const frameAncestors = ["'self'", ...[...origins]].join(' ');
  const azure = config.WEBCHAT_DIRECTLINE === 'azure';
  const route = guardedRoutes(server, log);

  const renderPage = async (req: restify.Request, res: restify.Response) => {
    const locale = pageLocale(req, config);
    const t = texts.for(locale);
    const pageConfig = {
      tokenUrl: TOKEN_PATH,
      locale,
      webChatLocale: WEBCHAT_LOCALE[locale],
      text: Object.fromEntries(SCRIPT_TEXT_KEYS.map((key) => [key, t(`webchat:${key}`)])),
      widgetStrings: Object.fromEntries(Object.entries(WIDGET_STRINGS).map(([id, key]) => [id, t(`webchat:widget.${key}`)])),
    };
    const html = template
      .replace(/\{\{lang\}\}/g, locale)
      .replace(/\{\{t:([A-Za-z]+)\}\}/g, (_m, key: string) => escapeHtml(t(`webchat:${key}`)))
      // JSON inside <script type="application/json">: no "<" may close the element early.
      .replace('{{config}}', jsonForHtml(pageConfig));
    const directLineOrigin = azure ? new URL(config.DIRECTLINE_ENDPOINT).origin : publicOrigin(req, config);
    const connect = ["'self'", directLineOrigin, directLineOrigin.replace(/^http/, 'ws')].join(' ');
    res.header('Content-Type', 'text/html; charset=utf-8');
    res.header('Cache-Control', 'no-store');
    res.header('X-Content-Type-Options', 'nosniff');
    res.header('Referrer-Policy', 'no-referrer');
    res.header(
      'Content-Security-Policy',
      [
        "default-src 'self'",
        "script-src 'self'",
        // Web Chat styles itself with inline <style> elements.
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        `connect-src ${connect}`,
        `frame-ancestors ${frameAncestors}`,
        "base-uri 'none'",
        "form-action 'none'",
      ].join('; '),
    );
    res.sendRaw(200, html);
  };
  route.get('/', renderPage);
  route.get('/chat', renderPage);
  route.get('/chat/webchat.js', staticAsset(webChatBundlePath(), 'text/javascript; charset=utf-8'));
  route.get('/chat/chat.js', staticAsset(join(WEB_DIR, 'chat', 'chat.js'), 'text/javascript; charset=utf-8'));
  route.get('/chat/chat.css', staticAsset(join(WEB_DIR, 'chat', 'chat.css'), 'text/css; charset=utf-8'));

  route.opts(TOKEN_PATH, async (req: restify.Request, res: restify.Response) => {
    res.send(applyCors(req, res, origins, config) ? 204 : 403);
  });

  route.post(TOKEN_PATH, async (req: restify.Request, res: restify.Response) => {
    res.header('Cache-Control', 'no-store');
    if (!applyCors(req, res, origins, config)) {
      sendError(res, 403, 'OriginNotAllowed', 'this site may not embed the chat');
      return;
    }
    const allowed = await limiter.consume(clientAddress(req, config.TRUSTED_PROXY_HOPS));
    if (!allowed.ok) {
      res.header('Retry-After', String(allowed.retryAfterSeconds));
      sendError(res, 429, 'TooManyRequests', 'too many chat tokens from this address; try again in a minute');
      return;
    }
    const body = await readJson(req, { maxBytes: 4 * 1024 });
    if (!body.ok) return sendBodyError(res, body);
    const parsed = startBodySchema.safeParse(body.value);
    if (!parsed.success) {
      sendError(res, 400, 'BadArgument', 'the body must be a JSON object');
      return;
    }
    const locale = parsed.data?.locale;
    if (azure) {
      try {
        const issued = await exchangeAzureSecret(config);
        res.send(200, { ...issued, domain: config.DIRECTLINE_ENDPOINT.replace(/\/+$/, ''), webSocket: true });
      } catch (error) {
        log.warn({ err: { type: (error as Error).name } }, 'Azure Direct Line refused a token');
        sendError(res, 502, 'DirectLineUnavailable', 'the chat service is not available right now');
      }
      return;
    }
    const opened = await openConversation(deps.conversations, deps.tokens, locale);
    res.send(200, {
      conversationId: opened.conversationId,
      token: opened.token,
      expiresIn: opened.expiresIn,
      userId: opened.userId,
      domain: `${publicOrigin(req, config)}${DIRECTLINE_PREFIX}`,
      webSocket: true,
    });
  });
}
