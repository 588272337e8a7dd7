import type restify from 'restify';
import type { Config } from '../config';
import type { LimiterStore } from '../recovery/limits';
import { createFloodGuard } from '../recovery/floodGuard';
import { clientAddress } from '../http/clientAddress';

/** The settings this module reads. */
export type AddressLimitConfig = Pick<Config, 'MicrosoftAppId' | 'REQUESTS_PER_MINUTE_PER_ADDRESS' | 'TRUSTED_PROXY_HOPS'>;

export interface AddressLimitOptions {
  config: AddressLimitConfig;
  /** The app's limiter store: with Redis every instance counts the same address together. */
  limits: LimiterStore;
}

/**
 * Twilio and Azure Bot Service sign what they post for many people from a few addresses:
 * those routes are checked by signature, not counted per address.
 */
function signedByPlatform(req: restify.Request, config: AddressLimitConfig): boolean {
  const path = req.getPath();
  return path === '/api/whatsapp' || path === '/api/whatsapp/status' || (path === '/api/messages' && Boolean(config.MicrosoftAppId));
}

/**
 * Requests per client address and minute, for every route it is put in front of, counted
 * before any body is read, without waiting for the store (a flood guard: src/recovery/floodGuard.ts).
 * Over the limit: 429 with Retry-After. When Redis fails the count goes on in this instance's
 * memory (a store blink must not close the site).
 */
export function addressLimit({ config, limits }: AddressLimitOptions): restify.RequestHandler {
  const limiter = createFloodGuard({ name: 'address', points: config.REQUESTS_PER_MINUTE_PER_ADDRESS, durationSeconds: 60 }, limits);

  return (req, res, next) => {
    if (signedByPlatform(req, config)) return next();
    limiter.consume(clientAddress(req, config.TRUSTED_PROXY_HOPS)).then(
      (verdict) => {
        if (verdict.ok) return next();
        res.header('Retry-After', String(verdict.retryAfterSeconds));
        res.send(429, { error: 'too many requests' });
        return next(false);
      },
      () => next(),
    );
  };
}
