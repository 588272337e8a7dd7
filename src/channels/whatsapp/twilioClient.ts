import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient';
import type { WhatsAppSettings } from './settings';

const TWILIO_API_ORIGIN = /^https:\/\/[a-z0-9.-]*\.twilio\.com/;

/**
 * Failures where the request never reached Twilio, so sending it again cannot duplicate a
 * message: a kept-alive connection closed just as it was reused, a refused connection, a
 * name that did not resolve.
 */
const NEVER_SENT = new Set(['ECONNRESET', 'EPIPE', 'ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);
/** Waits before each new try of a request that never reached Twilio. */
const RETRY_DELAYS_MS = [0, 250, 1_000];

/**
 * twilio's own HTTP client, with three additions: it can send to another host (a
 * Twilio-compatible gateway, a sandbox, the local stand-in the tests record; only the
 * origin changes, the path, form body and Basic auth stay as the twilio package builds
 * them); it tries again, with backoff, a request that never reached Twilio; and it lets the
 * package retry 429 answers with its own exponential backoff (Twilio documents that a 429
 * is never processed). A timeout or a 5xx is not retried: the message may exist.
 */
class ChannelRequestClient extends twilio.RequestClient {
  constructor(
    private readonly baseUrl: string | undefined,
    timeoutMs: number,
  ) {
    super({ timeout: timeoutMs, autoRetry: true, maxRetries: 3 });
  }

  override async request<TData>(opts: RequestClient.RequestOptions<TData>) {
    const target = this.baseUrl ? { ...opts, uri: opts.uri.replace(TWILIO_API_ORIGIN, this.baseUrl) } : opts;
    for (let attempt = 0; ; attempt++) {
      try {
        return await super.request<TData>(target);
      } catch (error) {
        const { code, response } = (error ?? {}) as { code?: string; response?: unknown };
        if (response || !code || !NEVER_SENT.has(code) || attempt >= RETRY_DELAYS_MS.length) throw error;
        await new Promise((resolve) => setTimeout(resolve, RETRY_DELAYS_MS[attempt]));
      }
    }
  }
}

export type TwilioClient = ReturnType<typeof twilio>;

/** The official client; TWILIO_API_BASE_URL (when set) replaces https://api.twilio.com. */
export function createTwilioClient(settings: WhatsAppSettings, timeoutMs = 10_000): TwilioClient {
  const httpClient = new ChannelRequestClient(settings.apiBaseUrl?.replace(/\/+$/, ''), timeoutMs);
  return twilio(settings.accountSid, settings.authToken, { httpClient });
}
