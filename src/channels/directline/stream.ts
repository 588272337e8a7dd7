import type { Activity } from 'botbuilder';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import type { Logger } from '../../log';
import type { ConversationLog, StreamMessage } from './conversationLog';
import { CONVERSATION_ID } from './conversations';
import { parseWatermark } from './routes';
import type { TokenService } from './tokens';

const STREAM_PATH = /^\/v3\/directline\/conversations\/([^/?]+)\/stream$/;

/** Close code for a socket replaced by a newer one on the same conversation. */
export const REPLACED_CLOSE_CODE = 4001;
/** Pages send "" as keep-alive; nothing larger is expected from them. */
const MAX_CLIENT_MESSAGE_BYTES = 4 * 1024;
/** Bounds one catch-up so a socket never loops forever on a log that keeps growing. */
const MAX_PAGES_PER_DRAIN = 50;

export interface StreamOptions {
  /** How often the server pings each socket; a socket that missed the previous pong is dropped. */
  keepAliveMs: number;
}

export interface DirectLineStream {
  /** Closes every socket (shutdown). */
  close(): void;
}

function refuse(socket: Duplex, status: number, reason: string): void {
  socket.write(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  socket.destroy();
}

/**
 * The Direct Line WebSocket: `/v3/directline/conversations/:id/stream?t=TOKEN&watermark=N`.
 * Sends what the page missed from the watermark on, then every new activity as
 * `{activities:[…], watermark:"N"}` and typing as `{activities:[…]}`. One socket per
 * conversation across instances: a new one announces itself and older ones close.
 */
export function attachDirectLineStream(
  httpServer: HttpServer,
  deps: { conversations: ConversationLog; tokens: TokenService; log: Logger },
  options: StreamOptions,
): DirectLineStream {
  const { conversations, tokens, log } = deps;
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_CLIENT_MESSAGE_BYTES });

  httpServer.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // Node hands an upgraded socket over with no error listener: a reset would end the process.
    socket.on('error', () => socket.destroy());
    const url = new URL(req.url ?? '/', 'http://localhost');
    const match = STREAM_PATH.exec(url.pathname);
    // The only socket the server has; anything else would stay open forever.
    if (!match) return refuse(socket, 404, 'Not Found');
    void (async () => {
      const conversationId = decodeURIComponent(match[1] ?? '');
      const check = await tokens.verify(url.searchParams.get('t') ?? undefined);
      if (!check.ok) return refuse(socket, check.reason === 'missing' ? 401 : 403, 'Forbidden');
      if (!CONVERSATION_ID.test(conversationId) || !(await conversations.info(conversationId))) return refuse(socket, 404, 'Not Found');
      if (check.claims.conversationId !== conversationId) return refuse(socket, 403, 'Forbidden');
      const watermark = parseWatermark(url.searchParams.get('watermark'));
      if (watermark === undefined) return refuse(socket, 400, 'Bad Request');
      wss.handleUpgrade(req, socket, head, (ws) => {
        void serve(ws, conversationId, watermark).catch((error: Error) => {
          log.warn({ err: { type: error.name } }, 'direct line stream failed');
          ws.terminate();
        });
      });
    })().catch(() => socket.destroy());
  });

  async function serve(ws: WebSocket, conversationId: string, watermark: number): Promise<void> {
    const owner = randomUUID();
    let next = watermark;
    let draining: Promise<void> | undefined;
    let again = false;
    let closed = false;

    const send = (activities: Partial<Activity>[], mark?: number) => {
      if (ws.readyState !== ws.OPEN) return;
      ws.send(JSON.stringify(mark === undefined ? { activities } : { activities, watermark: String(mark) }));
    };

    // Reads the log from `next`, so the page gets every activity once and in order,
    // whatever order the notices arrive in from other instances.
    const drain = (): Promise<void> => {
      if (draining) {
        again = true;
        return draining;
      }
      draining = (async () => {
        do {
          again = false;
          for (let pages = 0; pages < MAX_PAGES_PER_DRAIN && !closed; pages++) {
            const page = await conversations.since(conversationId, next);
            if (page.activities.length === 0) break;
            next = page.watermark;
            send(page.activities, page.watermark);
          }
        } while (again && !closed);
      })().finally(() => {
        draining = undefined;
      });
      return draining;
    };

    const onMessage = (message: StreamMessage) => {
      if (message.kind === 'socket') {
        if (message.owner !== owner) ws.close(REPLACED_CLOSE_CODE, 'replaced by a newer connection');
      } else if (message.kind === 'typing') {
        send([message.activity]);
      } else if (message.index >= next) {
        void drain().catch(() => ws.terminate());
      }
    };

    // A bad frame (too large, reserved opcode…) closes this socket only; ws has already answered it.
    ws.on('error', (error: Error & { code?: string }) => {
      log.info({ err: { type: error.name, code: error.code } }, 'direct line socket closed on a bad frame');
      ws.terminate();
    });
    let alive = true;
    ws.on('pong', () => {
      alive = true;
    });
    const keepAlive = setInterval(() => {
      if (!alive) return ws.terminate();
      alive = false;
      ws.ping();
    }, options.keepAliveMs);
    keepAlive.unref();

    ws.on('close', () => {
      closed = true;
      clearInterval(keepAlive);
    });
    ws.on('message', () => {
      // Keep-alives ("") from the page; activities come by POST.
    });
    // Listen first, then announce and catch up, so nothing falls between the two.
    const unsubscribe = await conversations.listen(conversationId, onMessage);
    if (closed) {
      await unsubscribe();
      return;
    }
    ws.on('close', () => void unsubscribe().catch(() => undefined));
    await conversations.announce(conversationId, { kind: 'socket', owner });
    await drain();
  }

  return {
    close() {
      for (const client of wss.clients) client.terminate();
      wss.close();
    },
  };
}
