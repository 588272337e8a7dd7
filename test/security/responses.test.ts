import restify from 'restify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../src/config';
import { createLogger } from '../../src/log';
import { createMetrics } from '../../src/metrics';
import { createMetricsEndpoint } from '../../src/web/metricsEndpoint';
import { startTestApp, type TestApp } from '../helpers/app';

const METRICS_TOKEN = 'metrics-token-of-more-than-32-characters';

describe('with an https public address', () => {
  let h: TestApp;
  beforeAll(async () => {
    h = await startTestApp({ PUBLIC_BASE_URL: 'https://asistente.example.org', METRICS_TOKEN });
    // A handler that fails the way an unforeseen bug would, with internal text in its error.
    h.app.server.get('/test/fails', async () => {
      throw new Error('ECONNREFUSED 10.0.0.7:6379 at /srv/app/src/store/redisKeyValue.ts:88');
    });
  });
  afterAll(async () => {
    await h.close();
  });

  it('sends HSTS on every response: pages, APIs, refusals and unknown paths', async () => {
    const answers = [
      await fetch(`${h.url}/healthz`),
      await fetch(`${h.url}/clave/nueva`),
      await fetch(`${h.url}/api/clave/estado`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' }),
      await fetch(`${h.url}/no/such/page`),
      await fetch(`${h.url}/test/fails`),
    ];
    for (const res of answers) expect(res.headers.get('strict-transport-security'), res.url).toBe('max-age=31536000');
  });

  it('answers a failing handler with 500 and no internal text', async () => {
    const res = await fetch(`${h.url}/test/fails`);
    expect(res.status).toBe(500);
    const body = await res.text();
    expect(body).not.toMatch(/ECONNREFUSED|10\.0\.0\.7|redisKeyValue|\/srv\/|Error/);
    expect(JSON.parse(body)).toEqual({ code: 'Internal', message: 'internal error' });
  });

  it('serves /metrics only with the bearer token', async () => {
    expect((await fetch(`${h.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${h.url}/metrics`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await fetch(`${h.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}x` } })).status).toBe(401);
    const res = await fetch(`${h.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('iess_turns_total');
  });
});

describe('with an http public address', () => {
  it('sends no HSTS (a browser would then refuse the plain-http site)', async () => {
    const h = await startTestApp();
    try {
      const res = await fetch(`${h.url}/healthz`);
      expect(res.headers.get('strict-transport-security')).toBeNull();
      // Development without a token or port: open on the main port.
      expect((await fetch(`${h.url}/metrics`)).status).toBe(200);
    } finally {
      await h.close();
    }
  });
});

describe('where /metrics is served', () => {
  let server: restify.Server | undefined;
  let endpoint: ReturnType<typeof createMetricsEndpoint> | undefined;
  afterEach(async () => {
    await endpoint?.close();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = endpoint = undefined;
  });

  /** A restify server with only the metrics endpoint, under `env`. */
  async function serve(env: Parameters<typeof testConfig>[0], production = false) {
    const config = { ...testConfig(env), ...(production ? { NODE_ENV: 'production' as const } : {}) };
    server = restify.createServer();
    endpoint = createMetricsEndpoint(server, { config, metrics: createMetrics(), log: createLogger('silent') });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    await endpoint.listen();
    return `http://127.0.0.1:${server.address().port}`;
  }

  it('with METRICS_PORT, on that port only', async () => {
    const main = await serve({ METRICS_PORT: '0', HOST: '127.0.0.1' });
    expect((await fetch(`${main}/metrics`)).status).toBe(404);
    const own = endpoint!.url()!;
    expect(own).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    expect((await fetch(own)).status).toBe(200);
    expect((await fetch(own.replace('/metrics', '/other'))).status).toBe(404);
  });

  it('with METRICS_PORT and METRICS_TOKEN, on that port with the token', async () => {
    await serve({ METRICS_PORT: '0', HOST: '127.0.0.1', METRICS_TOKEN });
    expect((await fetch(endpoint!.url()!)).status).toBe(401);
    expect((await fetch(endpoint!.url()!, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).status).toBe(200);
  });

  it('in production with neither, nowhere', async () => {
    const main = await serve({}, true);
    expect((await fetch(`${main}/metrics`)).status).toBe(404);
    expect(endpoint!.url()).toBeUndefined();
  });

  it('refuses a short token', () => {
    expect(() => testConfig({ METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN/);
  });
});
