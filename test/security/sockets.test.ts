import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import WebSocket from 'ws';
import { requestToken } from '../helpers/channel';
import { startServer, type ServerProcess } from '../helpers/server';

/**
 * Frames and sockets against the assistant in its own process: a bad frame or a client that
 * resets its connection closes that socket only (ws emitted 'error' with no listener).
 */

let server: ServerProcess;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server?.stop();
});

async function expectAlive() {
  expect(server.exited(), server.stderr()).toBeUndefined();
  expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
}

/** A stream URL for a new conversation, as the widget gets it. */
async function streamUrl(): Promise<string> {
  const issued = await requestToken(server.url);
  const started = await fetch(`${issued.domain}/conversations`, { method: 'POST', headers: { Authorization: `Bearer ${issued.token}` } });
  expect(started.status).toBe(201);
  return ((await started.json()) as { streamUrl: string }).streamUrl;
}

async function openSocket(): Promise<WebSocket> {
  const ws = new WebSocket(await streamUrl());
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return ws;
}

/** The close code the server gave (1006 when it just dropped the connection). */
const closed = (ws: WebSocket) =>
  new Promise<number>((resolve) => {
    ws.on('error', () => undefined); // the client side may see the bad frame too
    ws.once('close', (code) => resolve(code));
  });

/** Raw bytes on the socket, as a client that does not follow the protocol would send them. */
const raw = (ws: WebSocket, bytes: number[]) => (ws as unknown as { _socket: Socket })._socket.write(Buffer.from(bytes));
const MASK = [1, 2, 3, 4];

it('closes a socket that sends a 5,000-byte text frame (1009), and only that one', async () => {
  const bystander = await openSocket();
  const ws = await openSocket();
  const code = closed(ws);
  ws.send('x'.repeat(5_000));
  expect(await code).toBe(1009);
  await expectAlive();
  expect(bystander.readyState).toBe(WebSocket.OPEN);
  bystander.close();
});

it.each([
  ['a reserved opcode', [0x83, 0x80, ...MASK]],
  ['a reserved control opcode', [0x8b, 0x80, ...MASK]],
  ['reserved bits set', [0xf1, 0x80, ...MASK]],
  ['an unmasked frame', [0x81, 0x01, 0x78]],
  ['a fragmented ping', [0x09, 0x80, ...MASK]],
  ['a frame claiming 2^63 bytes', [0x82, 0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, ...MASK]],
])('closes a socket that sends %s, and stays up', async (_what, bytes) => {
  const ws = await openSocket();
  const code = closed(ws);
  raw(ws, bytes);
  expect([1002, 1009]).toContain(await code);
  await expectAlive();
});

/** An upgrade request by hand; resolves with the first bytes the server answers. */
async function upgradeByHand(path: string): Promise<{ socket: Socket; answer: string }> {
  const socket = connect(Number(new URL(server.url).port), '127.0.0.1');
  socket.on('error', () => undefined);
  const answer = new Promise<string>((resolve) => socket.once('data', (d: Buffer) => resolve(d.toString('latin1'))));
  socket.write(
    `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
  );
  return { socket, answer: await answer };
}

it('answers an upgrade on a path without a socket with 404 instead of holding the connection open', async () => {
  const { socket, answer } = await upgradeByHand('/somewhere/else');
  expect(answer).toMatch(/^HTTP\/1\.1 404 /);
  socket.destroy();
  await expectAlive();
}, 10_000);

it('survives clients that reset the connection right after the upgrade or a refusal', async () => {
  const stream = new URL(await streamUrl());
  for (const path of [`${stream.pathname}${stream.search}`, '/v3/directline/conversations/x/stream?t=forged']) {
    const { socket, answer } = await upgradeByHand(path);
    expect(answer).toMatch(/^HTTP\/1\.1 (101|401|403|404) /);
    socket.resetAndDestroy();
    await new Promise<void>((resolve) => socket.once('close', () => resolve()));
    await expectAlive();
  }
});
