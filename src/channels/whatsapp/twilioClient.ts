import http from 'node:http';
import https from 'node:https';
import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient';
import type Response from 'twilio/lib/http/response';
import type { WhatsAppSettings } from './settings';

const TWILIO_API_ORIGIN = /^https:\/\/[a-z0-9.-]*\.twilio\.com/;

/**
 * Failures where the request never reached Twilio, so sending it again cannot duplicate a
 * message: a kept-alive connection closed just as it was reused, a refused connection, a
 * name that did not resolve.
 */
const NEVER_SENT = new Set(['ECONNRESET', 'EPIPE', 'ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);
/** Waits before each new try of a request that never reached Twilio, or that Twilio refused with 429. */
const RETRY_DELAYS_MS = [0, 250, 1_000];
/** Sockets kept open to Twilio per instance. */
const MAX_SOCKETS = 64;
/** Twilio's answers are small (a content list is the largest); past this a response is cut off as an error. */
const MAX_RESPONSE_BYTES = 2 * 1024 * 1024;

type Sent = Response<unknown>;

/**
 * The HTTP layer under the official twilio client. The package still builds every request
 * (path, parameters, Basic auth) and reads every answer (instances, RestException); this
 * layer sends it with node's own request on kept-alive sockets, which costs a sixth of the
 * CPU of the package's default (axios) on a busy instance: every reply and every deletion is
 * one request. It also sends to another host when asked (a Twilio-compatible gateway, a
 * sandbox, the local stand-in the tests record; only the origin changes); it tries again,
 * with backoff, a request that never reached Twilio and one answered 429 (Twilio documents
 * that a 429 is never processed). A timeout or a 5xx is not retried: the message may exist.
 */
class ChannelRequestClient extends twilio.RequestClient {
  private readonly agents = {
    'http:': new http.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS }),
    'https:': new https.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS }),
  };

  constructor(
    private readonly baseUrl: string | undefined,
    private readonly timeoutMs: number,
  ) {
    super({ timeout: timeoutMs, autoRetry: false });
  }

  override async request<TData>(opts: RequestClient.RequestOptions<TData>): Promise<Response<TData>> {
    const url = new URL(this.baseUrl ? opts.uri.replace(TWILIO_API_ORIGIN, this.baseUrl) : opts.uri);
    if (opts.params) appendAll(url.searchParams, opts.params);
    const headers: Record<string, string> = { ...(opts.headers as Record<string, string>) };
    if (opts.username && opts.password)
      headers.Authorization = `Basic ${Buffer.from(`${opts.username}:${opts.password}`).toString('base64')}`;
    const body = opts.data === undefined ? undefined : encode(opts.data, headers['Content-Type']);
    for (let attempt = 0; ; attempt++) {
      try {
        const answer = await this.send(url, opts.method.toUpperCase(), headers, body, opts.timeout ?? this.timeoutMs);
        if (answer.statusCode !== 429 || attempt >= RETRY_DELAYS_MS.length) return answer as Response<TData>;
      } catch (error) {
        const { code } = (error ?? {}) as { code?: string };
        if (!code || !NEVER_SENT.has(code) || attempt >= RETRY_DELAYS_MS.length) throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, RETRY_DELAYS_MS[attempt]));
    }
  }

  private send(url: URL, method: string, headers: Record<string, string>, body: string | undefined, timeoutMs: number): Promise<Sent> {
    const agent = url.protocol === 'http:' ? this.agents['http:'] : this.agents['https:'];
    const request = url.protocol === 'http:' ? http.request : https.request;
    return new Promise<Sent>((resolve, reject) => {
      const req = request(url, { method, headers, agent, timeout: timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_RESPONSE_BYTES) req.destroy(new Error('twilio answer too large'));
          else chunks.push(chunk);
        });
        res.on('end', () =>
          resolve({ statusCode: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }),
        );
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(Object.assign(new Error('twilio request timed out'), { code: 'ETIMEDOUT' })));
      req.on('error', reject);
      req.end(body);
    });
  }
}

/** Form fields as the package's own client writes them: one `key=value` per item of an array. */
function appendAll(form: URLSearchParams, fields: object): void {
  for (const [key, value] of Object.entries(fields))
    for (const item of Array.isArray(value) ? value : [value]) if (item !== undefined) form.append(key, item === null ? '' : String(item));
}

function encode(data: unknown, contentType: string | undefined): string {
  if (contentType === 'application/json') return JSON.stringify(data);
  const form = new URLSearchParams();
  appendAll(form, data as object);
  return form.toString();
}

export type TwilioClient = ReturnType<typeof twilio>;

/** The official client; TWILIO_API_BASE_URL (when set) replaces https://api.twilio.com. */
export function createTwilioClient(settings: WhatsAppSettings, timeoutMs = 10_000): TwilioClient {
  const httpClient = new ChannelRequestClient(settings.apiBaseUrl?.replace(/\/+$/, ''), timeoutMs);
  return twilio(settings.accountSid, settings.authToken, { httpClient });
}
