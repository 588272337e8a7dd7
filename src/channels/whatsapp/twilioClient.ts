import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient';
import type { WhatsAppSettings } from './settings';

const TWILIO_API_ORIGIN = /^https:\/\/[a-z0-9.-]*\.twilio\.com/;

/**
 * twilio's own HTTP client, sending to another host: a Twilio-compatible gateway, a
 * sandbox, or the local stand-in the tests record. Only the origin changes; the path,
 * form body and Basic auth stay exactly as the twilio package builds them.
 */
class RedirectingRequestClient extends twilio.RequestClient {
  constructor(
    private readonly baseUrl: string,
    timeoutMs: number,
  ) {
    super({ timeout: timeoutMs });
  }

  override request<TData>(opts: RequestClient.RequestOptions<TData>) {
    return super.request<TData>({ ...opts, uri: opts.uri.replace(TWILIO_API_ORIGIN, this.baseUrl) });
  }
}

export type TwilioClient = ReturnType<typeof twilio>;

/** The official client; TWILIO_API_BASE_URL (when set) replaces https://api.twilio.com. */
export function createTwilioClient(settings: WhatsAppSettings, timeoutMs = 10_000): TwilioClient {
  const httpClient = settings.apiBaseUrl
    ? new RedirectingRequestClient(settings.apiBaseUrl.replace(/\/+$/, ''), timeoutMs)
    : new twilio.RequestClient({ timeout: timeoutMs });
  return twilio(settings.accountSid, settings.authToken, { httpClient });
}
