import type restify from 'restify';
import type { Config } from '../config';
import type { Logger } from '../log';

/** The settings this module reads. */
export type ResponseGuardConfig = Pick<Config, 'PUBLIC_BASE_URL'>;

/** One year, as browsers' preload lists ask; subdomains are left to the operator. */
const HSTS = 'max-age=31536000';

/**
 * What every response of the server carries, whichever route (or none) answered it:
 * HSTS when the public address is https, and 5xx bodies that say nothing about the cause
 * (restify would send the error's message; the log keeps its type).
 */
export function guardResponses(server: restify.Server, deps: { config: ResponseGuardConfig; log: Logger }): void {
  if (new URL(deps.config.PUBLIC_BASE_URL).protocol === 'https:') {
    server.pre((_req: restify.Request, res: restify.Response, next: restify.Next) => {
      res.setHeader('Strict-Transport-Security', HSTS);
      next();
    });
  }
  server.on('restifyError', (_req: restify.Request, _res: restify.Response, err: Error & { statusCode?: number }, next: () => void) => {
    const status = err.statusCode ?? 500;
    if (status >= 500) {
      deps.log.error({ err: { type: err.name } }, 'request failed');
      Object.assign(err, { toJSON: () => ({ code: 'Internal', message: 'internal error' }), toString: () => 'internal error' });
    } else {
      deps.log.warn({ err: { type: err.name } }, 'request error');
    }
    next();
  });
}
