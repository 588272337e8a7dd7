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
  /** A message sent with a Content API content: what the person sees once the variables are filled in. */
  rendered?: RenderedContent;
  /** queued until `deliver` reports it delivered (Twilio refuses to delete a message in progress). */
  status: 'queued' | 'delivered';
}

/** Buttons or a list as WhatsApp shows them; `options` keep the id a tap sends back. */
export interface RenderedContent {
  kind: 'quick-reply' | 'list-picker' | 'text';
  body: string;
  button?: string;
  options: Array<{ title: string; id: string; description?: string }>;
}

/** A content as the Content API keeps it. */
export interface StoredContent {
  sid: string;
  friendly_name: string;
  language: string;
  variables: Record<string, string>;
  types: Record<string, unknown>;
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
  /** Contents created through the Content API, in order. */
  readonly contents: StoredContent[] = [];
  /** While true the Content API answers 503 (down), as a send with a content does. */
  contentDown = false;
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
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const fake = new FakeTwilio(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`, accountSid, authToken);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => void fake.handle(req, res));
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
    return this.messages
      .filter((m) => m.to === to)
      .map(
        (m) =>
          m.body ??
          (m.rendered
            ? `${m.rendered.body}\n[${m.rendered.kind}] ${m.rendered.options.map((o) => o.title).join(' | ')}`
            : `[template ${m.contentSid}]`),
      );
  }

  /** A content made (and approved) outside the assistant, e.g. the template for messages outside the window. */
  addContent(contentSid: string, types: Record<string, unknown>, variables: Record<string, string> = { 1: 'texto' }): void {
    this.contents.push({ sid: contentSid, friendly_name: `added_${this.contents.length}`, language: 'es', variables, types });
  }

  /** The buttons or list of the last message sent to `to`. */
  lastContentTo(to: string): RenderedContent | undefined {
    return this.messages.filter((m) => m.to === to).at(-1)?.rendered;
  }

  /**
   * The webhook fields Twilio posts when the person taps an option: the title as Body and
   * ButtonText, and the id as ButtonPayload (a button) or ListId (a list item).
   */
  tap(content: RenderedContent, option: { title: string; id: string }): Record<string, string> {
    return content.kind === 'quick-reply'
      ? { Body: option.title, ButtonText: option.title, ButtonPayload: option.id, MessageType: 'interactive' }
      : { Body: option.title, ListId: option.id, ListTitle: option.title, MessageType: 'interactive' };
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
      const params = {
        MessageSid: message.sid,
        MessageStatus: 'delivered',
        To: message.to,
        From: message.from,
        AccountSid: this.accountSid,
        ApiVersion: '2010-04-01',
      };
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
    if (path === '/v1/Content' && req.method === 'POST') return this.createContent(req, raw, reply, error);
    if (path === '/v1/Content' && req.method === 'GET') return this.listContents(req.url ?? '', reply, error);
    if (path === '/v2/Indicators/Typing.json' && req.method === 'POST') return this.typing(req, new URLSearchParams(raw), reply, error);
    return error(404, 20404, 'not found');
  }

  private send(
    form: URLSearchParams,
    reply: (status: number, body?: object) => void,
    error: (status: number, code: number, message: string) => void,
  ) {
    const from = form.get('From');
    const to = form.get('To');
    if (!from || !to || !(form.get('Body') || form.get('ContentSid'))) return error(400, 21602, 'a body or content is required');
    const body = form.get('Body') ?? undefined;
    if (body && body.length > 1600) return error(400, 21617, 'the body exceeds 1600 characters');
    const contentSid = form.get('ContentSid');
    let rendered: RenderedContent | undefined;
    if (contentSid) {
      if (this.contentDown) return error(503, 20503, 'service unavailable');
      const content = this.contents.find((c) => c.sid === contentSid);
      if (!content) return error(404, 20404, `content ${contentSid} not found`);
      const result = renderContent(content, form.get('ContentVariables'));
      if (typeof result === 'string') return error(400, 21656, result);
      rendered = result.kind === 'text' ? undefined : result;
    }
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
      rendered,
      status: 'queued',
    };
    this.messages.push(message);
    this.events.push(`send ${to}`);
    reply(201, { sid: message.sid, account_sid: this.accountSid, from, to, body: body ?? '', status: 'queued', num_segments: '1' });
  }

  /**
   * POST /v1/Content (JSON): a content with a friendly name, a language, a sample for every
   * variable it uses and its types, each checked as the Content API documents it.
   */
  private createContent(
    req: IncomingMessage,
    raw: string,
    reply: (status: number, body?: object) => void,
    error: (status: number, code: number, message: string) => void,
  ) {
    if (this.contentDown) return error(503, 20503, 'service unavailable');
    if (!/^application\/json/.test(req.headers['content-type'] ?? '')) return error(415, 20415, 'JSON body expected');
    let body: Partial<StoredContent>;
    try {
      body = JSON.parse(raw) as Partial<StoredContent>;
    } catch {
      return error(400, 20001, 'invalid JSON');
    }
    if (typeof body.friendly_name !== 'string' || !body.friendly_name || body.friendly_name.length > 64)
      return error(400, 20001, 'friendly_name required');
    if (typeof body.language !== 'string' || !body.language) return error(400, 20001, 'language required');
    const variables = body.variables ?? {};
    if (typeof variables !== 'object' || Object.values(variables).some((v) => typeof v !== 'string' || !v))
      return error(400, 20001, 'variables must map names to sample values');
    const problem = checkTypes(body.types);
    if (problem) return error(400, 20001, problem);
    const used = [...JSON.stringify(body.types).matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]);
    const missing = used.filter((v) => !(v in variables));
    if (missing.length) return error(400, 20001, `a sample value is required for variables ${missing.join(', ')}`);
    const content: StoredContent = {
      sid: sid('HX'),
      friendly_name: body.friendly_name,
      language: body.language,
      variables,
      types: body.types as Record<string, unknown>,
    };
    this.contents.push(content);
    reply(201, {
      ...content,
      account_sid: this.accountSid,
      date_created: new Date().toISOString(),
      date_updated: new Date().toISOString(),
      url: `https://content.twilio.com/v1/Content/${content.sid}`,
      links: {},
    });
  }

  /** GET /v1/Content: one page of contents, in the paging format the twilio client reads. */
  private listContents(
    url: string,
    reply: (status: number, body?: object) => void,
    error: (status: number, code: number, message: string) => void,
  ) {
    if (this.contentDown) return error(503, 20503, 'service unavailable');
    const query = new URL(url, 'http://x').searchParams;
    const pageSize = Math.min(Number(query.get('PageSize') ?? 50) || 50, 1000);
    const page = Number(query.get('Page') ?? 0) || 0;
    const slice = this.contents.slice(page * pageSize, (page + 1) * pageSize);
    const pageUrl = (n: number) => `https://content.twilio.com/v1/Content?PageSize=${pageSize}&Page=${n}`;
    reply(200, {
      contents: slice.map((c) => ({ ...c, account_sid: this.accountSid, url: `https://content.twilio.com/v1/Content/${c.sid}` })),
      meta: {
        page,
        page_size: pageSize,
        first_page_url: pageUrl(0),
        previous_page_url: page > 0 ? pageUrl(page - 1) : null,
        url: pageUrl(page),
        next_page_url: (page + 1) * pageSize < this.contents.length ? pageUrl(page + 1) : null,
        key: 'contents',
      },
    });
  }

  /** The WhatsApp typing indicator: form-encoded `channel=whatsapp` and the `messageId` of a message the person sent. */
  private typing(
    req: IncomingMessage,
    form: URLSearchParams,
    reply: (status: number, body?: object) => void,
    error: (status: number, code: number, message: string) => void,
  ) {
    if (!/^application\/x-www-form-urlencoded/.test(req.headers['content-type'] ?? ''))
      return error(415, 20415, 'form-encoded body expected');
    const messageId = form.get('messageId') ?? '';
    if (form.get('channel') !== 'whatsapp') return error(400, 21201, 'channel must be whatsapp');
    if (!/^(SM|MM)[0-9a-f]{32}$/.test(messageId)) return error(400, 21201, 'messageId must be a message SID');
    if (!this.inbound.some((m) => m.sid === messageId)) return error(404, 20404, 'no such message from this person');
    this.events.push(`typing ${messageId}`);
    reply(200, { success: true });
  }

  /** DELETE a message: refused while it is in progress; its media go with it. */
  private deleteMessage(
    messageSid: string,
    reply: (status: number, body?: object) => void,
    error: (status: number, code: number, message: string) => void,
  ) {
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

/** The documented shape of the two interactive types; a message naming the first problem, or undefined. */
function checkTypes(types: unknown): string | undefined {
  if (!types || typeof types !== 'object' || Object.keys(types).length === 0) return 'types required';
  for (const [name, type] of Object.entries(types as Record<string, Record<string, unknown>>)) {
    if (name === 'twilio/quick-reply') {
      if (typeof type.body !== 'string' || !type.body) return 'twilio/quick-reply: body required';
      const actions = type.actions as Array<Record<string, unknown>>;
      if (!Array.isArray(actions) || actions.length < 1 || actions.length > 10) return 'twilio/quick-reply: 1 to 10 actions';
      if (actions.some((a) => typeof a.title !== 'string' || !a.title || (a.type !== undefined && a.type !== 'QUICK_REPLY')))
        return 'twilio/quick-reply: every action needs a title';
    } else if (name === 'twilio/list-picker') {
      if (typeof type.body !== 'string' || !type.body) return 'twilio/list-picker: body required';
      if (typeof type.button !== 'string' || !type.button) return 'twilio/list-picker: button required';
      const items = type.items as Array<Record<string, unknown>>;
      if (!Array.isArray(items) || items.length < 1 || items.length > 10) return 'twilio/list-picker: 1 to 10 items';
      if (items.some((i) => typeof i.item !== 'string' || !i.item || typeof i.id !== 'string' || !i.id))
        return 'twilio/list-picker: every item needs item and id';
    } else if (name !== 'twilio/text') return `unknown content type ${name}`;
  }
  return undefined;
}

/**
 * Fills a content's variables and checks the result against WhatsApp's limits for a message
 * inside the session: a quick reply with at most 3 buttons of up to 20 characters, a list of
 * 1 to 10 items (item 24, description 72, id 200, button 20), a body up to 1,024, ids unique.
 */
function renderContent(content: StoredContent, rawVariables: string | null): RenderedContent | string {
  let values: Record<string, unknown> = {};
  if (rawVariables) {
    try {
      values = JSON.parse(rawVariables) as Record<string, unknown>;
    } catch {
      return 'ContentVariables is not JSON';
    }
  }
  if (typeof values !== 'object' || Array.isArray(values) || Object.values(values).some((v) => typeof v !== 'string'))
    return 'ContentVariables must map names to text';
  const fill = (text: string) =>
    text.replace(/\{\{(\w+)\}\}/g, (_m, name: string) => {
      const value = values[name] ?? content.variables[name];
      return typeof value === 'string' ? value : '';
    });
  const quick = content.types['twilio/quick-reply'] as { body: string; actions: Array<{ title: string; id?: string }> } | undefined;
  const list = content.types['twilio/list-picker'] as
    { body: string; button: string; items: Array<{ item: string; id: string; description?: string }> } | undefined;
  let rendered: RenderedContent;
  if (quick) {
    rendered = {
      kind: 'quick-reply',
      body: fill(quick.body),
      options: quick.actions.map((a) => ({ title: fill(a.title), id: fill(a.id ?? a.title) })),
    };
    if (rendered.options.length > 3) return 'WhatsApp allows 3 quick-reply buttons in a session message';
    if (rendered.options.some((o) => !o.title || [...o.title].length > 20)) return 'a button title must have 1 to 20 characters';
  } else if (list) {
    rendered = {
      kind: 'list-picker',
      body: fill(list.body),
      button: fill(list.button),
      options: list.items.map((i) => ({
        title: fill(i.item),
        id: fill(i.id),
        description: i.description === undefined ? undefined : fill(i.description),
      })),
    };
    if (!rendered.button || [...rendered.button].length > 20) return 'the list button must have 1 to 20 characters';
    if (rendered.options.some((o) => !o.title || [...o.title].length > 24)) return 'a list item must have 1 to 24 characters';
    if (rendered.options.some((o) => o.description !== undefined && [...o.description].length > 72))
      return 'a list item description is limited to 72 characters';
  } else if (content.types['twilio/text']) {
    const body = fill((content.types['twilio/text'] as { body: string }).body);
    return body && [...body].length <= 1600 ? { kind: 'text', body, options: [] } : 'the body must have 1 to 1,600 characters';
  } else return 'this stand-in sends only text, quick-reply and list-picker contents';
  if (!rendered.body || [...rendered.body].length > 1024) return 'the body must have 1 to 1,024 characters';
  if (rendered.options.some((o) => !o.id || o.id.length > 200)) return 'an id must have 1 to 200 characters';
  if (new Set(rendered.options.map((o) => o.id)).size !== rendered.options.length) return 'ids must be unique';
  if (new Set(rendered.options.map((o) => o.title)).size !== rendered.options.length) return 'titles must be unique';
  return rendered;
}
