import type { Config } from '../../config';

/** The settings this module reads. */
export type WhatsAppConfig = Pick<
  Config,
  | 'DEFAULT_LOCALE'
  | 'PUBLIC_BASE_URL'
  | 'SERVER_SECRET'
  | 'TWILIO_ACCOUNT_SID'
  | 'TWILIO_API_BASE_URL'
  | 'TWILIO_AUTH_TOKEN'
  | 'TWILIO_CONTENT_API'
  | 'TWILIO_DELETE_AFTER_SECONDS'
  | 'TWILIO_TEMPLATE_SID'
  | 'TWILIO_WHATSAPP_FROM'
  | 'WHATSAPP_TYPING_AFTER_MS'
  | 'WHATSAPP_WINDOW_HOURS'
>;

export const WHATSAPP_CHANNEL_ID = 'whatsapp';

/** Everything the WhatsApp channel needs from the configuration, checked once. */
export interface WhatsAppSettings {
  accountSid: string;
  authToken: string;
  from: string;
  /** Where Twilio reaches us, without a trailing slash (signatures are made over it). */
  publicBaseUrl: string;
  apiBaseUrl?: string;
  templateSid?: string;
  windowMs: number;
  /** Options go as buttons and lists through the Content API. */
  contentApi: boolean;
  /** A turn running longer than this shows the typing indicator; 0 = never. */
  typingAfterMs: number;
  /** How long Twilio keeps a handled message before it is deleted there; 0 = kept. */
  deleteAfterMs: number;
  locale: Config['DEFAULT_LOCALE'];
  secret: string;
}

/** True when the account SID, auth token and sender number are all configured. */
export function whatsappConfigured(config: WhatsAppConfig): boolean {
  return Boolean(config.TWILIO_ACCOUNT_SID && config.TWILIO_AUTH_TOKEN && config.TWILIO_WHATSAPP_FROM);
}

export function whatsappSettings(config: WhatsAppConfig): WhatsAppSettings {
  if (!whatsappConfigured(config)) throw new Error('WhatsApp needs TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_WHATSAPP_FROM');
  return {
    accountSid: config.TWILIO_ACCOUNT_SID!,
    authToken: config.TWILIO_AUTH_TOKEN!,
    from: config.TWILIO_WHATSAPP_FROM!,
    publicBaseUrl: config.PUBLIC_BASE_URL.replace(/\/+$/, ''),
    apiBaseUrl: config.TWILIO_API_BASE_URL,
    templateSid: config.TWILIO_TEMPLATE_SID,
    windowMs: config.WHATSAPP_WINDOW_HOURS * 3_600_000,
    contentApi: config.TWILIO_CONTENT_API,
    typingAfterMs: config.WHATSAPP_TYPING_AFTER_MS,
    deleteAfterMs: Math.round(config.TWILIO_DELETE_AFTER_SECONDS * 1000),
    locale: config.DEFAULT_LOCALE,
    secret: config.SERVER_SECRET,
  };
}
