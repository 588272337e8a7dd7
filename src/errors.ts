/**
 * Every error the service raises on purpose. Each sets `name` (stack traces, the logs'
 * `err.type`) and a stable `code`; callers match with `instanceof` or the code, never the
 * message or the name.
 */
export abstract class ServiceError extends Error {
  abstract readonly code: string;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A bad environment variable; the message names it and the fix. */
export class ConfigError extends ServiceError {
  readonly code = 'CONFIG_INVALID';
}

/** SERVICE_HOURS (or TIMEZONE) cannot be read. */
export class ServiceHoursError extends ServiceError {
  readonly code = 'SERVICE_HOURS_INVALID';
}

/** AGENTS cannot be read. */
export class AgentsConfigError extends ServiceError {
  readonly code = 'AGENTS_INVALID';
}

/** The demo accounts file is missing or invalid. */
export class DemoDataError extends ServiceError {
  readonly code = 'DEMO_DATA_INVALID';
}

/**
 * Redis cannot answer (down, unreachable, too slow). The bot answers it with "inténtalo en
 * un minuto"; callers that guard accounts treat it as a refusal (fail closed).
 */
export class StoreUnavailableError extends ServiceError {
  readonly code = 'STORE_UNAVAILABLE';

  constructor(cause: unknown) {
    super('shared store unavailable', { cause });
  }
}

/** The account directory could not answer (network, timeout, bad status, malformed body). */
export class DirectoryUnavailableError extends ServiceError {
  readonly code = 'DIRECTORY_UNAVAILABLE';

  constructor(
    readonly operation: string,
    readonly reason: string,
  ) {
    super(`Account directory unavailable (${operation}): ${reason}`);
  }
}

/** An account id the directory was asked about does not exist. */
export class UnknownAccountError extends ServiceError {
  readonly code = 'UNKNOWN_ACCOUNT';

  constructor() {
    super('unknown account');
  }
}

/** Another instance holds the conversation for longer than a turn may wait. */
export class ConversationBusyError extends ServiceError {
  readonly code = 'CONVERSATION_BUSY';

  constructor() {
    super('conversation busy');
  }
}

/** A voice note could not be heard: too big, too slow, not fetched, or not transcribed. */
export class VoiceNoteError extends ServiceError {
  readonly code = 'VOICE_NOTE_UNHEARD';

  constructor(readonly reason: 'too_big' | 'fetch' | 'transcribe' | 'timeout') {
    super(`voice note not transcribed (${reason})`);
  }
}

/**
 * A message for a person whose last WhatsApp message is older than the service window,
 * with no approved template configured: WhatsApp would refuse it. The caller (an agent's
 * console, the key-changed notice) tells its user; `localeKey` names the sentence.
 */
export class WhatsAppWindowClosedError extends ServiceError {
  readonly code = 'WHATSAPP_WINDOW_CLOSED';
  readonly localeKey = 'whatsapp:windowClosed';

  constructor(readonly hours: number) {
    super(`the person has not written on WhatsApp in the last ${hours} hours; WhatsApp allows no free-form message now`);
  }
}
