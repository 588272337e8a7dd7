import { Counter, type Registry } from 'prom-client';

/** WhatsApp counters, on the app's registry (served at /metrics). */
export function createWhatsAppMetrics(registry: Registry) {
  return {
    webhooks: new Counter({
      name: 'iess_whatsapp_webhooks_total',
      help: 'WhatsApp webhooks by outcome (accepted, duplicate, forbidden, malformed, unsupported, unavailable: store down; busy: another instance kept the conversation; both ask the person to try again)',
      labelNames: ['result'],
      registers: [registry],
    }),
    sent: new Counter({
      name: 'iess_whatsapp_messages_sent_total',
      help: 'WhatsApp messages handed to Twilio: free-form (session), by template, or options as quick_reply buttons or a list_picker',
      labelNames: ['kind'],
      registers: [registry],
    }),
    sendFailures: new Counter({
      name: 'iess_whatsapp_send_failures_total',
      help: 'WhatsApp messages Twilio refused, by Twilio error code',
      labelNames: ['error_code'],
      registers: [registry],
    }),
    statuses: new Counter({
      name: 'iess_whatsapp_message_status_total',
      help: 'WhatsApp delivery status callbacks, by status and Twilio error code',
      labelNames: ['status', 'error_code'],
      registers: [registry],
    }),
    choices: new Counter({
      name: 'iess_whatsapp_choices_total',
      help: 'Questions with options sent as quick-reply buttons, a list picker, or numbered text (why: not_configured, unsuitable, unavailable, failed)',
      labelNames: ['as', 'why'],
      registers: [registry],
    }),
    contents: new Counter({
      name: 'iess_whatsapp_contents_total',
      help: 'Content API contents looked up for options (created, found: already at Twilio, failed)',
      labelNames: ['result'],
      registers: [registry],
    }),
    voiceNotes: new Counter({
      name: 'iess_whatsapp_voice_notes_total',
      help: 'Voice notes sent to the speech server (heard, empty, too_big, fetch, transcribe, timeout)',
      labelNames: ['result'],
      registers: [registry],
    }),
    typing: new Counter({
      name: 'iess_whatsapp_typing_indicators_total',
      help: "Typing indicators shown on a person's message while a slow turn ran (sent, failed)",
      labelNames: ['result'],
      registers: [registry],
    }),
    deletions: new Counter({
      name: 'iess_whatsapp_deletions_total',
      help: 'Messages and media deleted at Twilio after handling (deleted, retried, failed: given up after the last try)',
      labelNames: ['result'],
      registers: [registry],
    }),
  };
}

export type WhatsAppMetrics = ReturnType<typeof createWhatsAppMetrics>;

/** Twilio error codes are numbers; anything else is folded so labels stay few. */
export function errorCodeLabel(code: unknown): string {
  if (code === undefined || code === null || code === '') return 'none';
  const text = typeof code === 'number' || typeof code === 'string' ? String(code) : '';
  return /^\d{1,6}$/.test(text) ? text : 'other';
}
