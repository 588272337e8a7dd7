import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One message the twilio client asked to send, as the REST API received it. */
export interface RecordedMessage {
  sid: string;
  from: string;
  to: string;
  body?: string;
  contentSid?: string;
  contentVariables?: string;
  statusCallback?: string;
}

interface Failure {
  status: number;
  code: number;
  message: string;
}

const MESSAGES_PATH = /^\/2010-04-01\/Accounts\/(AC[0-9a-fA-F]{32})\/Messages\.json$/;

/**
 * A local stand-in for Twilio's REST API (Messages.json only): it checks the Basic auth the
 * twilio client sends, records every message in order, and can refuse the next ones with a
 * Twilio error code, as the real API does.
 */
export class FakeTwilio {
  readonly messages: RecordedMessage[] = [];
  /** Requests that were not a valid message send (wrong auth, path or body). */
  readonly rejected: string[] = [];
  private failures: Failure[] = [];
  private resets = 0;

  private constructor(
    private readonly server: Server,
    readonly url: string,
    private readonly accountSid: string,
    private readonly authToken: string,
  ) {}

  static async start(accountSid: string, authToken: string): Promise<FakeTwilio> {
    let fake: FakeTwilio | undefined;
    const server = createServer((req, res) => void fake!.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    fake = new FakeTwilio(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`, accountSid, authToken);
    return fake;
  }

  /** The next `count` sends fail with this Twilio error (e.g. 63016: outside the 24-hour window). */
  failNext(code: number, message = 'refused', status = 400, count = 1): void {
    for (let i = 0; i < count; i++) this.failures.push({ status, code, message });
  }

  /** The next `count` requests lose their connection without an answer (a stale kept-alive socket). */
  resetNext(count = 1): void {
    this.resets += count;
  }

  /** The bodies sent to one address, in order. */
  bodiesTo(to: string): string[] {
    return this.messages.filter((m) => m.to === to).map((m) => m.body ?? `[template ${m.contentSid}]`);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.resets > 0) {
      this.resets -= 1;
      req.socket.destroy();
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
    const reply = (status: number, body: object) => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const error = (status: number, code: number, message: string) => {
      this.rejected.push(`${req.method} ${req.url}: ${message}`);
      reply(status, { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status });
    };

    const match = MESSAGES_PATH.exec(req.url ?? '');
    if (req.method !== 'POST' || !match) return error(404, 20404, 'not found');
    const expected = `Basic ${Buffer.from(`${this.accountSid}:${this.authToken}`).toString('base64')}`;
    if (match[1] !== this.accountSid || req.headers.authorization !== expected) return error(401, 20003, 'authenticate');
    const from = form.get('From');
    const to = form.get('To');
    if (!from || !to || !(form.get('Body') || form.get('ContentSid'))) return error(400, 21602, 'a body or content is required');
    const body = form.get('Body') ?? undefined;
    if (body && body.length > 1600) return error(400, 21617, 'the body exceeds 1600 characters');
    const failure = this.failures.shift();
    if (failure) return error(failure.status, failure.code, failure.message);

    const message: RecordedMessage = {
      sid: `SM${randomBytes(16).toString('hex')}`,
      from,
      to,
      body,
      contentSid: form.get('ContentSid') ?? undefined,
      contentVariables: form.get('ContentVariables') ?? undefined,
      statusCallback: form.get('StatusCallback') ?? undefined,
    };
    this.messages.push(message);
    reply(201, { sid: message.sid, account_sid: this.accountSid, from, to, body: body ?? '', status: 'queued', num_segments: '1' });
  }
}
