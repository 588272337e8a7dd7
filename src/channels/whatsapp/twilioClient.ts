import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient';
import type { WhatsAppSettings } from './settings';

const TWILIO_API_ORIGIN = /^https:\/\/[a-z0-9.-]*\.twilio\.com/;

/**
 * The server closed a kept-alive connection just as we reused it: the request never
 * reached it, so sending once more cannot duplicate a message.
 */
const STALE_CONNECTION = new Set(['ECONNRESET', 'EPIPE']);

/**
 * twilio's own HTTP client, with two additions: it can send to another host (a
 * Twilio-compatible gateway, a sandbox, the local stand-in the tests record; only the
 * origin changes, the path, form body and Basic auth stay as the twilio package builds
 * them), and it retries once when a kept-alive connection turns out to be closed.
 */
class ChannelRequestClient extends twilio.RequestClient {
  constructor(
    private readonly baseUrl: string | undefined,
    timeoutMs: number,
  ) {
    super({ timeout: timeoutMs });
  }

  override async request<TData>(opts: RequestClient.RequestOptions<TData>) {
    const target = this.baseUrl ? { ...opts, uri: opts.uri.replace(TWILIO_API_ORIGIN, this.baseUrl) } : opts;
    try {
      return await super.request<TData>(target);
    } catch (error) {
      const { code, response } = (error ?? {}) as { code?: string; response?: unknown };
      if (response || !code || !STALE_CONNECTION.has(code)) throw error;
      return super.request<TData>(target);
    }
  }
}

export type TwilioClient = ReturnType<typeof twilio>;

/** The official client; TWILIO_API_BASE_URL (when set) replaces https://api.twilio.com. */
export function createTwilioClient(settings: WhatsAppSettings, timeoutMs = 10_000): TwilioClient {
  const httpClient = new ChannelRequestClient(settings.apiBaseUrl?.replace(/\/+$/, ''), timeoutMs);
  return twilio(settings.accountSid, settings.authToken, { httpClient });
}
