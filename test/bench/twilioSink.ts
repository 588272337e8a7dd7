import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const MESSAGES_PATH = /^\/2010-04-01\/Accounts\/(AC[0-9a-fA-F]{32})\/Messages\.json$/;
/** One message, or one of its media: what the assistant deletes once a message is handled. */
const DELETE_PATH = /^\/2010-04-01\/Accounts\/(AC[0-9a-fA-F]{32})\/Messages\/SM[0-9a-f]{32}(?:\/Media\/ME[0-9a-f]{32})?\.json$/;

/**
 * The stand-in for Twilio's REST API in the load generator: the same checks as
 * test/helpers/fakeTwilio.ts (path, Basic auth, a body, the 1600-character cap), but instead
 * of keeping every message it hands each one to `onMessage` at once, so 20,000 recoveries
 * keep no history and the turn's end is seen the moment its last reply arrives. Deletions
 * (`DELETE …/Messages/SM….json`, which the assistant sends a minute after each message) get
 * Twilio's 204.
 */
export class TwilioSink {
  /** Requests that were not a valid message send or deletion. */
  rejected = 0;
  /** Messages and media deleted. */
  deleted = 0;

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(accountSid: string, authToken: string, onMessage: (to: string, body: string) => void): Promise<TwilioSink> {
    const expected = `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`;
    const handle = async (req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      const reply = (status: number, body: object) => {
        res.writeHead(status, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      // Twilio answers a deletion with 204 and no body; the sink keeps nothing, so there is nothing to remove.
      if (req.method === 'DELETE') {
        const account = DELETE_PATH.exec(req.url ?? '')?.[1];
        if (account === accountSid && req.headers.authorization === expected) {
          sink.deleted += 1;
          res.writeHead(204).end();
          return;
        }
        sink.rejected += 1;
        return reply(404, { code: 20404, message: 'The requested resource was not found', status: 404 });
      }
      const match = MESSAGES_PATH.exec(req.url ?? '');
      const from = form.get('From');
      const to = form.get('To');
      const body = form.get('Body') ?? '';
      const valid =
        req.method === 'POST' &&
        match?.[1] === accountSid &&
        req.headers.authorization === expected &&
        from &&
        to &&
        body &&
        body.length <= 1600;
      if (!valid) {
        sink.rejected += 1;
        return reply(400, { code: 21602, message: 'refused by the stand-in', status: 400 });
      }
      const sid = `SM${randomBytes(16).toString('hex')}`;
      reply(201, { sid, account_sid: accountSid, from, to, body, status: 'queued', num_segments: '1' });
      onMessage(to, body);
    };
    const server = createServer((req, res) => void handle(req, res).catch(() => res.destroy()));
    server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const sink = new TwilioSink(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return sink;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
