import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import twilio from 'twilio';

/** One message the twilio client asked to send, as the REST API received it. */
export interface RecordedMessage {
  sid: string;
  from: string;
  to: string;
  body?: string;
  contentSid?: string;
  contentVariables?: string;
  statusCallback?: string;
  /** queued until `deliver` reports it delivered (Twilio refuses to delete a message in progress). */
  status: 'queued' | 'delivered';
}

/** A message a person sent, as Twilio keeps it (with its media) until it is deleted. */
export interface InboundRecord {
  sid: string;
  from: string;
  body: string;
  media: Array<{ sid: string; contentType: string; bytes: Buffer }>;
}

interface Failure {
  status: number;
  code: number;
  message: string;
}

const ACCOUNT = '/2010-04-01/Accounts/(AC[0-9a-fA-F]{32})';
const MESSAGES_PATH = new RegExp(`^${ACCOUNT}/Messages\\.json$`);
const MESSAGE_PATH = new RegExp(`^${ACCOUNT}/Messages/([A-Z]{2}[0-9a-f]{32})\\.json$`);
/** The media list entry (…/Media/ME….json) and the medium itself (…/Media/ME…, the URL a webhook carries). */
const MEDIUM_PATH = new RegExp(`^${ACCOUNT}/Messages/([A-Z]{2}[0-9a-f]{32})/Media/(ME[0-9a-f]{32})(\\.json)?$`);
/** Where Twilio redirects a medium's URL: a short-lived signed address that needs no credentials. */
const SIGNED_MEDIUM_PATH = /^\/signed-media\/([0-9a-f]{32})$/;

const sid = (prefix: string) => `${prefix}${randomBytes(16).toString('hex')}`;

/**
 * A local stand-in for Twilio's REST API. Every request must carry the account's Basic auth,
 * as the twilio client sends it. It records the messages sent (Messages.json) in order and can
 * refuse the next ones with a Twilio error code; it keeps what people sent (`receive`, with
 * media fetched through the medium URL and a redirect, as Twilio does) and deletes messages and
 * media on DELETE, refusing a message still in progress.
 */
export class FakeTwilio {
  readonly messages: RecordedMessage[] = [];
  readonly inbound: InboundRecord[] = [];
  /** SIDs of messages and media deleted, in order. */
  readonly deleted: string[] = [];
  /** Requests that were not valid (wrong auth, path or parameters). */
  readonly rejected: string[] = [];
  /** What reached the API in order: `typing <message sid>` and `send <to>`, to check one comes before the other. */
  readonly events: string[] = [];
  /** Media downloads, by medium SID. */
  readonly downloads: string[] = [];
  private failures: Failure[] = [];
  private resets = 0;
  private deleteFailures = 0;
  private readonly signedMedia = new Map<string, Buffer & { contentType?: string }>();

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

  /** The next `count` DELETE requests fail with a server error (Twilio 5xx). */
  failNextDeletes(count = 1): void {
    this.deleteFailures += count;
  }

  /** The bodies sent to one address, in order. */
  bodiesTo(to: string): string[] {
    return this.messages.filter((m) => m.to === to).map((m) => m.body ?? `[template ${m.contentSid}]`);
  }

  /**
   * Keeps a message a person sends, with its media, and returns the webhook fields Twilio posts
   * for it (MessageSid, NumMedia, MediaUrl0 and MediaContentType0 pointing here).
   */
  receive(fields: Record<string, string>, media: Array<{ contentType: string; bytes: Buffer }> = []): Record<string, string> {
    const record: InboundRecord = {
      sid: media.length ? sid('MM') : fields.MessageSid || sid('SM'),
      from: fields.From,
      body: fields.Body ?? '',
      media: media.map((m) => ({ sid: sid('ME'), ...m })),
    };
    this.inbound.push(record);
    const params: Record<string, string> = { ...fields, MessageSid: record.sid, NumMedia: String(media.length) };
    record.media.forEach((m, i) => {
      params[`MediaUrl${i}`] = `${this.url}/2010-04-01/Accounts/${this.accountSid}/Messages/${record.sid}/Media/${m.sid}`;
      params[`MediaContentType${i}`] = m.contentType;
    });
    return params;
  }

  /** Messages and media people sent that Twilio still keeps. */
  kept(): string[] {
    const gone = new Set(this.deleted);
    return this.inbound.flatMap((m) => [m.sid, ...m.media.map((x) => x.sid)]).filter((s) => !gone.has(s));
  }

  /** Outbound messages still kept. */
  keptSent(): string[] {
    const gone = new Set(this.deleted);
    return this.messages.map((m) => m.sid).filter((s) => !gone.has(s));
  }

  /**
   * Marks every queued message delivered and posts its signed status callback, as Twilio does,
   * to the local server standing behind the public URL the message named.
   */
  async deliver(localBaseUrl: string, publicBaseUrl: string): Promise<number> {
    let posted = 0;
    for (const message of this.messages.filter((m) => m.status === 'queued')) {
      message.status = 'delivered';
      if (!message.statusCallback) continue;
      const params = { MessageSid: message.sid, MessageStatus: 'delivered', To: message.to, From: message.from, AccountSid: this.accountSid, ApiVersion: '2010-04-01' };
      const signature = twilio.getExpectedTwilioSignature(this.authToken, message.statusCallback, params);
      const response = await fetch(`${localBaseUrl}${message.statusCallback.slice(publicBaseUrl.length)}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Twilio-Signature': signature },
        body: new URLSearchParams(params).toString(),
      });
      await response.arrayBuffer();
      if (response.ok) posted += 1;
    }
    return posted;
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
    const raw = Buffer.concat(chunks).toString('utf8');
    const path = (req.url ?? '').split('?')[0];
    const reply = (status: number, body?: object) => {
      res.writeHead(status, body ? { 'Content-Type': 'application/json' } : {});
      res.end(body ? JSON.stringify(body) : undefined);
    };
    const error = (status: number, code: number, message: string) => {
      this.rejected.push(`${req.method} ${req.url}: ${message}`);
      reply(status, { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status });
    };

    const signed = SIGNED_MEDIUM_PATH.exec(path);
    if (signed && req.method === 'GET') {
      const bytes = this.signedMedia.get(signed[1]);
      if (!bytes) return error(404, 20404, 'not found');
      res.writeHead(200, { 'Content-Type': bytes.contentType ?? 'application/octet-stream', 'Content-Length': bytes.length });
      res.end(bytes);
      return;
    }

    const expected = `Basic ${Buffer.from(`${this.accountSid}:${this.authToken}`).toString('base64')}`;
    const account = new RegExp(`^${ACCOUNT}/`).exec(path)?.[1];
    if (req.headers.authorization !== expected || (account && account !== this.accountSid)) return error(401, 20003, 'authenticate');

    if (req.method === 'DELETE' && this.deleteFailures > 0) {
      this.deleteFailures -= 1;
      return error(503, 20500, 'service unavailable');
    }
    const medium = MEDIUM_PATH.exec(path);
    const redirect = (location: string) => {
      res.writeHead(307, { Location: location });
      res.end();
    };
    if (medium) return this.medium(req.method, medium[2], medium[3], medium[4] === '.json', reply, error, redirect);
    const one = MESSAGE_PATH.exec(path);
    if (one && req.method === 'DELETE') return this.deleteMessage(one[2], reply, error);
    if (MESSAGES_PATH.test(path) && req.method === 'POST') return this.send(new URLSearchParams(raw), reply, error);
    if (path === '/v2/Indicators/Typing.json' && req.method === 'POST') return this.typing(req, new URLSearchParams(raw), reply, error);
    return error(404, 20404, 'not found');
  }

  private send(form: URLSearchParams, reply: (status: number, body?: object) => void, error: (status: number, code: number, message: string) => void) {
    const from = form.get('From');
    const to = form.get('To');
    if (!from || !to || !(form.get('Body') || form.get('ContentSid'))) return error(400, 21602, 'a body or content is required');
    const body = form.get('Body') ?? undefined;
    if (body && body.length > 1600) return error(400, 21617, 'the body exceeds 1600 characters');
    const failure = this.failures.shift();
    if (failure) return error(failure.status, failure.code, failure.message);

    const message: RecordedMessage = {
      sid: sid('SM'),
      from,
      to,
      body,
      contentSid: form.get('ContentSid') ?? undefined,
      contentVariables: form.get('ContentVariables') ?? undefined,
      statusCallback: form.get('StatusCallback') ?? undefined,
      status: 'queued',
    };
    this.messages.push(message);
    this.events.push(`send ${to}`);
    reply(201, { sid: message.sid, account_sid: this.accountSid, from, to, body: body ?? '', status: 'queued', num_segments: '1' });
  }

  /** The WhatsApp typing indicator: form-encoded `channel=whatsapp` and the `messageId` of a message the person sent. */
  private typing(req: IncomingMessage, form: URLSearchParams, reply: (status: number, body?: object) => void, error: (status: number, code: number, message: string) => void) {
    if (!/^application\/x-www-form-urlencoded/.test(req.headers['content-type'] ?? '')) return error(415, 20415, 'form-encoded body expected');
    const messageId = form.get('messageId') ?? '';
    if (form.get('channel') !== 'whatsapp') return error(400, 21201, 'channel must be whatsapp');
    if (!/^(SM|MM)[0-9a-f]{32}$/.test(messageId)) return error(400, 21201, 'messageId must be a message SID');
    if (!this.inbound.some((m) => m.sid === messageId)) return error(404, 20404, 'no such message from this person');
    this.events.push(`typing ${messageId}`);
    reply(200, { success: true });
  }

  /** DELETE a message: refused while it is in progress; its media go with it. */
  private deleteMessage(messageSid: string, reply: (status: number, body?: object) => void, error: (status: number, code: number, message: string) => void) {
    const sent = this.messages.find((m) => m.sid === messageSid);
    const received = this.inbound.find((m) => m.sid === messageSid);
    if ((!sent && !received) || this.deleted.includes(messageSid)) return error(404, 20404, 'not found');
    if (sent && sent.status === 'queued') return error(409, 20009, 'cannot delete a message that is in progress');
    this.deleted.push(messageSid, ...(received?.media ?? []).map((m) => m.sid).filter((s) => !this.deleted.includes(s)));
    reply(204);
  }

  /** GET a medium (a redirect to its signed address) or DELETE it. */
  private medium(
    method: string | undefined,
    messageSid: string,
    mediumSid: string,
    asJson: boolean,
    reply: (status: number, body?: object) => void,
    error: (status: number, code: number, message: string) => void,
    redirect: (location: string) => void,
  ) {
    const found = this.inbound.find((m) => m.sid === messageSid)?.media.find((m) => m.sid === mediumSid);
    if (!found || this.deleted.includes(mediumSid)) return error(404, 20404, 'not found');
    if (method === 'DELETE') {
      this.deleted.push(mediumSid);
      return reply(204);
    }
    if (method !== 'GET' || asJson) return error(405, 20004, 'method not allowed');
    this.downloads.push(mediumSid);
    const token = randomBytes(16).toString('hex');
    this.signedMedia.set(token, Object.assign(Buffer.from(found.bytes), { contentType: found.contentType }));
    redirect(`${this.url}/signed-media/${token}`);
  }
}
