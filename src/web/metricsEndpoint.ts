import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type restify from 'restify';
import type { Config } from '../config';
import type { Logger } from '../log';
import type { Metrics } from '../metrics';

/** The settings this module reads. */
export type MetricsEndpointConfig = Pick<Config, 'HOST' | 'METRICS_PORT' | 'METRICS_TOKEN' | 'NODE_ENV'>;

export const METRICS_PATH = '/metrics';

export interface MetricsEndpoint {
  /** With METRICS_PORT, the metrics' own URL once listening. */
  url(): string | undefined;
  listen(): Promise<void>;
  close(): Promise<void>;
}

/** True when the request carries `Authorization: Bearer <token>` (compared in constant time). */
function bearerMatches(req: IncomingMessage, token: string): boolean {
  const given = Buffer.from(/^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '');
  const wanted = Buffer.from(token);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

/**
 * GET /metrics, for Prometheus. On its own port when METRICS_PORT is set (and then not on the
 * public one); behind `Authorization: Bearer METRICS_TOKEN` when that is set, wherever served.
 * In production with neither, it is not served at all: metric names and counts say how the
 * service is used and is doing, which is nobody's business outside the operator.
 */
export function createMetricsEndpoint(
  server: restify.Server,
  deps: { config: MetricsEndpointConfig; metrics: Metrics; log: Logger },
): MetricsEndpoint {
  const { config, metrics, log } = deps;

  const answer = async (req: IncomingMessage, res: ServerResponse) => {
    if (config.METRICS_TOKEN && !bearerMatches(req, config.METRICS_TOKEN)) {
      res.writeHead(401, { 'WWW-Authenticate': 'Bearer', 'Content-Type': 'application/json' });
      res.end('{"error":"unauthorized"}');
      return;
    }
    const body = await metrics.registry.metrics();
    res.writeHead(200, { 'Content-Type': metrics.registry.contentType, 'Cache-Control': 'no-store' });
    res.end(body);
  };
  const failed = (res: ServerResponse) => (err: Error) => {
    log.warn({ err: { type: err.name } }, 'metrics could not be read');
    if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'application/json' });
    res.end('{"error":"internal"}');
  };

  if (config.METRICS_PORT === undefined) {
    if (config.NODE_ENV === 'production' && !config.METRICS_TOKEN) {
      log.info(`${METRICS_PATH} is not served: set METRICS_TOKEN or METRICS_PORT to read the metrics`);
      return { url: () => undefined, listen: async () => undefined, close: async () => undefined };
    }
    server.get(METRICS_PATH, async (req: restify.Request, res: restify.Response) => {
      const raw = res as unknown as ServerResponse;
      await answer(req, raw).catch(failed(raw));
    });
    return { url: () => undefined, listen: async () => undefined, close: async () => undefined };
  }

  const own = createServer((req, res) => {
    if (req.method !== 'GET' || new URL(req.url ?? '/', 'http://x').pathname !== METRICS_PATH) {
      res.writeHead(404, { 'Content-Type': 'application/json' });
      res.end('{"error":"not_found"}');
      return;
    }
    void answer(req, res).catch(failed(res));
  });
  return {
    url() {
      const address = own.address() as AddressInfo | null;
      return address ? `http://127.0.0.1:${address.port}${METRICS_PATH}` : undefined;
    },
    async listen() {
      await new Promise<void>((resolve, reject) => {
        own.once('error', reject);
        own.listen(config.METRICS_PORT, config.HOST, () => {
          own.off('error', reject);
          resolve();
        });
      });
    },
    async close() {
      own.closeAllConnections();
      await new Promise<void>((resolve) => own.close(() => resolve()));
    },
  };
}
