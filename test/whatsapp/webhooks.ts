import { randomBytes } from 'node:crypto';
import twilio from 'twilio';

export const ACCOUNT_SID = `AC${'0123456789abcdef'.repeat(2)}`;
export const AUTH_TOKEN = 'test-auth-token-0123456789abcdef';
export const SENDER = 'whatsapp:+14155238886';
/** The URL Twilio is given: a proxy in front of the local server. */
export const PUBLIC_BASE_URL = 'https://asistente.example.org';

/** The settings that turn WhatsApp on against a local stand-in of Twilio's REST API at `twilioUrl`. */
export const whatsappEnv = (twilioUrl: string) => ({
  PUBLIC_BASE_URL,
  TWILIO_ACCOUNT_SID: ACCOUNT_SID,
  TWILIO_AUTH_TOKEN: AUTH_TOKEN,
  TWILIO_WHATSAPP_FROM: SENDER,
  TWILIO_API_BASE_URL: twilioUrl,
});

export const newMessageSid = () => `SM${randomBytes(16).toString('hex')}`;

/** The fields Twilio posts for one WhatsApp text message. */
export function inbound(from: string, body: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    SmsMessageSid: '',
    MessageSid: newMessageSid(),
    AccountSid: ACCOUNT_SID,
    MessagingServiceSid: '',
    From: from,
    To: SENDER,
    Body: body,
    NumMedia: '0',
    NumSegments: '1',
    ProfileName: 'Persona de prueba',
    WaId: from.replace(/^whatsapp:\+/, ''),
    SmsStatus: 'received',
    ApiVersion: '2010-04-01',
    ...extra,
  };
}

/**
 * Posts a webhook to the local server as Twilio does: form-encoded, signed with the twilio
 * package's own function over the public URL. `signature: null` leaves the header out.
 */
export async function postSigned(
  localBaseUrl: string,
  path: string,
  params: Record<string, string>,
  options: { signature?: string | null; authToken?: string; body?: string; contentType?: string } = {},
): Promise<Response> {
  const signature =
    options.signature === undefined
      ? twilio.getExpectedTwilioSignature(options.authToken ?? AUTH_TOKEN, `${PUBLIC_BASE_URL}${path}`, params)
      : options.signature;
  const headers: Record<string, string> = { 'Content-Type': options.contentType ?? 'application/x-www-form-urlencoded' };
  if (signature !== null) headers['X-Twilio-Signature'] = signature;
  return fetch(`${localBaseUrl}${path}`, { method: 'POST', headers, body: options.body ?? new URLSearchParams(params).toString() });
}
