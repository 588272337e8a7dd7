import { createHmac } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type restify from 'restify';
import type { Config } from '../config';
import { clientAddress } from '../web/clientAddress';

export interface AddressLimitOptions {
  config: Config;
  /** The shared store when configured: every instance counts the same address together. */
  redis?: Redis | Cluster;
}

/**
 * Twilio and Azure Bot Service sign what they post for many people from a few addresses:
 * those routes are checked by signature, not counted per address.
 */
function signedByPlatform(req: restify.Request, config: Config): boolean {
  const path = req.getPath();
  return path === '/api/whatsapp' || path === '/api/whatsapp/status' || (path === '/api/messages' && Boolean(config.MicrosoftAppId));
}

/**
 * Requests per client address and minute, for every route it is put in front of, counted
 * with rate-limiter-flexible on the configured store before any body is read. Over the limit:
 * 429 with Retry-After. When Redis fails the count goes on in this instance's memory (a store
 * blink must not close the site). Addresses are stored as keyed hashes.
 */
export function addressLimit({ config, redis }: AddressLimitOptions): restify.RequestHandler {
  const points = config.REQUESTS_PER_MINUTE_PER_ADDRESS;
  const keyPrefix = `${config.REDIS_KEY_PREFIX}rl:address`;
  const memory = new RateLimiterMemory({ keyPrefix, points, duration: 60 });
  const limiter = redis
    ? new RateLimiterRedis({ storeClient: redis, keyPrefix, points, duration: 60, rejectIfRedisNotReady: true, insuranceLimiter: memory })
    : memory;
  const keyOf = (address: string) => createHmac('sha256', config.SERVER_SECRET).update(`address:${address}`).digest('base64url').slice(0, 24);

  return (req, res, next) => {
    if (signedByPlatform(req, config)) return next();
    limiter.consume(keyOf(clientAddress(req, config.TRUSTED_PROXY_HOPS))).then(
      () => next(),
      (rejection: unknown) => {
        // Anything but a verdict means both stores failed: let the request through.
        if (!(rejection instanceof RateLimiterRes)) return next();
        res.header('Retry-After', String(Math.max(1, Math.ceil(rejection.msBeforeNext / 1000))));
        res.send(429, { error: 'too many requests' });
        return next(false);
      },
    );
  };
}
