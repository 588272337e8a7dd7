import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The channels a label may name: ours and Azure Bot Service's. A channel id comes from the
 * request, so any other value is counted as "other": labels stay few whatever is sent.
 */
const KNOWN_CHANNELS = new Set([
  'directline',
  'webchat',
  'whatsapp',
  'console',
  'emulator',
  'msteams',
  'slack',
  'facebook',
  'telegram',
  'line',
  'kik',
  'skype',
  'sms',
  'email',
  'groupme',
  'alexa',
  'omnichannel',
  'telephony',
  'test',
]);

export function channelLabel(channelId: string | undefined): string {
  return channelId && KNOWN_CHANNELS.has(channelId) ? channelId : 'other';
}

/** Prometheus metrics, one registry per app so tests can build several apps in one process. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const counter = (name: string, help: string, labelNames: string[] = []) => new Counter({ name, help, labelNames, registers: [registry] });
  return {
    registry,
    turns: counter('iess_turns_total', 'Turns processed', ['channel']),
    turnErrors: counter('iess_turn_errors_total', 'Turns that ended in an error', ['channel']),
    turnSeconds: new Histogram({
      name: 'iess_turn_seconds',
      help: 'Turn duration',
      labelNames: ['channel'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    codesSent: counter('iess_codes_sent_total', 'Codes emailed', ['kind']),
    codeEmailFailures: counter('iess_code_email_failures_total', 'Code emails the mail server did not take'),
    codesVerified: counter('iess_codes_verified_total', 'Codes checked', ['result']),
    stepReached: counter('iess_step_reached_total', 'Conversation steps reached', ['step']),
    keysChanged: counter('iess_keys_changed_total', 'Keys changed through the new-key page', ['kind']),
    satisfaction: new Histogram({
      name: 'iess_satisfaction_rating',
      help: 'Satisfaction survey answers (1-5) by flow (handoff: an agent closed; recovery: the key was changed) and, after a handoff, agent; sum/count is the average',
      labelNames: ['flow', 'agent'],
      buckets: [1, 2, 3, 4, 5],
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
