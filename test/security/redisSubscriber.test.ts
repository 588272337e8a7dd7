import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { hashPassword } from '../../src/handoff/agents';
import { requestToken } from '../helpers/channel';
import { PrivateRedis, redisServerBinary, uniquePrefix, waitFor } from '../helpers/redis';
import { startServer, type ServerProcess } from '../helpers/server';

/**
 * The connections the server holds open while people wait (a Direct Line socket, the agents'
 * event stream, and the Redis subscriber behind both) when their Redis dies under them: each
 * error is handled where it happens, the process stays up, and new ones work once Redis is back.
 */
const binary = redisServerBinary();
const AGENT = { name: 'ana', password: 'clave-de-prueba-de-ana' };

describe.skipIf(!binary.ok)(`open streams while Redis dies${binary.reason ? ` (skipped: no ${binary.reason})` : ''}`, () => {
  let redis: PrivateRedis;
  let server: ServerProcess;
  beforeAll(async () => {
    redis = await PrivateRedis.start();
    server = await startServer({
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: uniquePrefix('subscriber'),
      REDIS_CONNECT_TIMEOUT_MS: '500',
      REDIS_COMMAND_TIMEOUT_MS: '500',
      AGENTS: `${AGENT.name}:${await hashPassword(AGENT.password, { N: 1024, r: 8, p: 1 })}`,
    });
  });
  afterAll(async () => {
    await server?.stop();
    await redis?.kill();
  });

  /** A Direct Line socket on a new conversation; resolves with it and the first activities it pushed. */
  async function chatSocket(): Promise<{ ws: WebSocket; first: Promise<string> }> {
    const issued = await requestToken(server.url);
    const started = await fetch(`${server.url}/v3/directline/conversations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${issued.token}` },
    });
    expect(started.status).toBe(201);
    const { streamUrl } = (await started.json()) as { streamUrl: string };
    const ws = new WebSocket(streamUrl);
    ws.on('error', () => undefined);
    const first = new Promise<string>((resolve) => ws.once('message', (data: Buffer) => resolve(data.toString())));
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('close', () => reject(new Error('closed before open')));
    });
    return { ws, first };
  }

  /** The agents' event stream, read until its "ready" line. */
  async function agentEvents(): Promise<ReadableStreamDefaultReader<Uint8Array>> {
    const login = await fetch(`${server.url}/agent/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: server.url },
      body: JSON.stringify(AGENT),
    });
    expect(login.status).toBe(200);
    const cookie = login.headers.get('set-cookie')!.split(';')[0];
    const events = await fetch(`${server.url}/agent/api/events`, { headers: { cookie } });
    expect(events.status).toBe(200);
    const reader = events.body!.getReader();
    let seen = '';
    while (!seen.includes('"ready"')) seen += new TextDecoder().decode((await reader.read()).value);
    return reader;
  }

  it('keeps running when Redis is killed under an open socket and event stream, and serves new ones once it is back', async () => {
    const chat = await chatSocket();
    expect(await chat.first).toContain('activities');
    const events = await agentEvents();

    await redis.kill();
    // Every connection to Redis (commands and the subscriber) has now lost its peer.
    expect(await waitFor(async () => (await fetch(`${server.url}/readyz`)).status === 503, 10_000)).toBe(true);
    expect(server.exited(), server.stderr()).toBeUndefined();
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);

    await redis.start();
    expect(await waitFor(async () => (await fetch(`${server.url}/readyz`)).status === 200, 15_000)).toBe(true);
    const again = await chatSocket();
    expect(await again.first).toContain('activities');
    expect(server.exited(), server.stderr()).toBeUndefined();

    chat.ws.terminate();
    again.ws.terminate();
    await events.cancel();
  }, 90_000);
});
