import type { TurnContext } from 'botbuilder';
import type { SecretAnswer } from '../recovery/mask';

/**
 * What the handoff reads of where a person got in the dialogs (the dialogs write it: their
 * ProgressNotes fit this shape): never a code, token or full number.
 */
export interface PersonProgress {
  profile?: 'person' | 'employer';
  /** Masked cédula or RUC (last digits only). */
  maskedNumber?: string;
  /** Last step reached (dialog id). */
  step?: string;
  /** How secret the answer to the question being asked is: how the person's next message is kept. */
  secretAnswer?: SecretAnswer;
  /** Recent failures, newest last: step and reason keys. */
  failures: Array<{ step: string; reason: string }>;
}

export interface ProgressReader {
  get(context: TurnContext): Promise<PersonProgress>;
}
