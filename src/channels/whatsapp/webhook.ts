import twilio from 'twilio';
import { z } from 'zod';

/** Form fields as Twilio posts them; a repeated field keeps every value (Twilio signs them all). */
export type FormParams = Record<string, string | string[]>;

export function parseForm(body: string): FormParams {
  const params: FormParams = {};
  for (const [key, value] of new URLSearchParams(body)) {
    const seen = params[key];
    params[key] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  return params;
}

/**
 * Checks X-Twilio-Signature against the URL Twilio was given: the configured public base
 * URL plus the path and query we received, so it holds behind a proxy or a tunnel.
 */
export function signatureIsValid(authToken: string, signature: string | undefined, url: string, params: FormParams): boolean {
  if (!signature) return false;
  try {
    return twilio.validateRequest(authToken, signature, url, params);
  } catch {
    return false;
  }
}

const address = z.string().regex(/^whatsapp:\+\d{6,15}$/);
const sid = z.string().regex(/^[A-Z]{2}[0-9a-fA-F]{32}$/);
const optionalText = z.string().max(4096).optional();

/** An inbound WhatsApp message (Twilio's Messaging webhook), only the fields we use. */
export const inboundMessageSchema = z.object({
  MessageSid: sid,
  From: address,
  To: address,
  Body: z.string().max(4096).default(''),
  NumMedia: z.coerce.number().int().min(0).max(10).default(0),
  MediaContentType0: optionalText,
  MediaUrl0: z.string().max(2048).optional(),
  MessageType: optionalText,
  Latitude: optionalText,
  Longitude: optionalText,
  ButtonText: optionalText,
  ButtonPayload: optionalText,
  /** The id of the list-picker item the person tapped. */
  ListId: optionalText,
});
export type InboundMessage = z.infer<typeof inboundMessageSchema>;

const STATUSES = [
  'accepted',
  'scheduled',
  'queued',
  'sending',
  'sent',
  'delivered',
  'read',
  'undelivered',
  'failed',
  'canceled',
  'receiving',
  'received',
] as const;

/** A delivery status callback; unknown statuses and odd error codes are folded so metric labels stay few. */
export const statusCallbackSchema = z.object({
  MessageSid: sid,
  MessageStatus: z.string().transform((s) => ((STATUSES as readonly string[]).includes(s) ? s : 'other')),
  ErrorCode: z
    .string()
    .optional()
    .transform((c) => (c && /^\d{1,6}$/.test(c) ? c : '')),
  To: z.string().max(64).optional(),
});
export type StatusCallback = z.infer<typeof statusCallbackSchema>;

/** The empty TwiML answer: "received, nothing to say here" (replies go through the REST API). */
export const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>';
