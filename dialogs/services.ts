import type { ConversationReference, TurnContext } from 'botbuilder';
import type { Config } from '../src/config';
import type { Locale, Texts } from '../src/i18n';
import type { Logger } from '../src/log';
import type { Metrics } from '../src/metrics';
import type { RateLimits } from '../src/recovery/limits';
import type { CodeService, IdentityCheck, ResetLinkService } from '../src/recovery/types';
import type { ConversationLanguage } from './language';
import type { Understanding } from '../src/understanding/understand';
import type { ProgressNotes } from './progress';

/** Limits the dialogs apply: identity checks firm per source, soft per number (src/recovery/limits.ts). */
export type DialogLimits = Pick<RateLimits, 'identityCheck'>;

/** What the conversation needs from the rest of the app. */
export interface DialogServices {
  /** The settings the dialogs read. */
  config: Pick<Config, 'DEFAULT_LOCALE' | 'LINK_TTL_SECONDS'>;
  texts: Texts;
  log: Logger;
  metrics: Metrics;
  /** Reads every message against what the step expects (values, intent, conversation so far). */
  understanding: Understanding;
  /** The conversation's language, switched when a message is clearly in the other one. */
  language: Pick<ConversationLanguage, 'follow'>;
  identity: IdentityCheck;
  codes: CodeService;
  links: ResetLinkService;
  limits: DialogLimits;
  progress: ProgressNotes;
  /** Says one line from locales to a conversation later, in its turn order (a code email that failed). */
  tellLater(reference: Partial<ConversationReference>, locale: Locale, key: string): Promise<void>;
  /** Opens a human handoff; false when nobody can take it (no agents): the dialogs then explain the other ways. */
  handoff: (context: TurnContext, reason: string) => Promise<boolean>;
}
