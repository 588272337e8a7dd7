import type { IncomingMessage } from 'node:http';
import type restify from 'restify';
import type { Config } from '../../config';
import type { Logger } from '../../log';
import { type BodyRefusal, refusalHeaders } from '../../http/body';

/** The settings this module reads. */
export type DirectLineHttpConfig = Pick<Config, 'PUBLIC_BASE_URL' | 'WEBCHAT_ALLOWED_ORIGINS'>;

/** Direct Line's error body: `{ error: { code, message } }`. */
export function sendError(res: restify.Response, status: number, code: string, message: string): void {
  res.send(status, { error: { code, message } });
}

const BODY_ERRORS: Record<BodyRefusal['reason'], string> = {
  malformed: 'the body is not valid JSON',
  tooLarge: 'the body is too large',
  unsupportedType: 'the body must be JSON',
  unsupportedEncoding: 'compressed bodies are not accepted',
  aborted: 'the body did not arrive',
};

/** Answers a refused body the Direct Line way. */
export function sendBodyError(res: restify.Response, refused: BodyRefusal): void {
  refusalHeaders(res, refused);
  sendError(res, refused.status, 'BadArgument', BODY_ERRORS[refused.reason]);
}

const LOOPBACK_HOST = /^(localhost|127\.0\.0\.1|\[::1\])(:\d{1,5})?$/;

/**
 * The origin the client reached us on, for URLs we hand back (Direct Line domain, stream URL).
 * PUBLIC_BASE_URL unless the request came to a loopback address (local runs and tests on
 * any port); an arbitrary Host header is never trusted.
 */
export function publicOrigin(req: IncomingMessage, config: DirectLineHttpConfig): string {
  const base = new URL(config.PUBLIC_BASE_URL);
  const host = req.headers.host ?? '';
  if (host !== base.host && LOOPBACK_HOST.test(host)) return `${base.protocol}//${host}`;
  return base.origin;
}

/** http → ws, https → wss. */
export function webSocketOrigin(origin: string): string {
  return origin.replace(/^http/, 'ws');
}

/** Origins allowed to embed the chat and get tokens; PUBLIC_BASE_URL's origin always is. */
export function allowedOrigins(config: DirectLineHttpConfig): Set<string> {
  return new Set([new URL(config.PUBLIC_BASE_URL).origin, ...config.WEBCHAT_ALLOWED_ORIGINS]);
}

const CORS_HEADERS = 'Authorization, Content-Type, x-ms-bot-agent, x-requested-with';

/**
 * Adds CORS headers when the page's origin is allowed: a configured one, or our own (the
 * widget page we serve). Returns false when the request carries an Origin that is not
 * allowed (requests without Origin do not come from a page).
 */
export function applyCors(req: restify.Request, res: restify.Response, origins: Set<string>, config: DirectLineHttpConfig): boolean {
  const origin = req.headers.origin;
  res.header('Vary', 'Origin');
  if (!origin) return true;
  if (!origins.has(origin) && origin !== publicOrigin(req, config)) return false;
  res.header('Access-Control-Allow-Origin', origin);
  res.header('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
  res.header('Access-Control-Allow-Headers', CORS_HEADERS);
  res.header('Access-Control-Max-Age', '600');
  return true;
}

type Handler = (req: restify.Request, res: restify.Response) => Promise<void>;

/**
 * Routes whose handlers never leak an exception: a failure (the shared store down, say) is
 * logged by type and answered 503, which Direct Line clients treat as "try again".
 */
export function guardedRoutes(server: restify.Server, log: Logger) {
  const guard =
    (handler: Handler): Handler =>
    async (req, res) => {
      try {
        await handler(req, res);
      } catch (error) {
        log.warn({ err: { type: (error as Error)?.name } }, 'chat request failed');
        if (!res.headersSent) sendError(res, 503, 'ServiceUnavailable', 'the chat service is busy; try again in a moment');
      }
    };
  return {
    get: (path: string, handler: Handler) => server.get(path, guard(handler)),
    post: (path: string, handler: Handler) => server.post(path, guard(handler)),
    opts: (path: string, handler: Handler) => server.opts(path, guard(handler)),
  };
}
