import type { ConversationState, StatePropertyAccessor, TurnContext } from 'botbuilder';
import type { SecretAnswer } from '../src/recovery/mask';

/** What an agent needs at a glance if the person asks for help: never a code, token or full number. */
export interface Progress {
  profile?: 'person' | 'employer';
  /** Masked cédula or RUC (last digits only). */
  maskedNumber?: string;
  /** Last step reached (dialog id). */
  step?: string;
  /** What the answer to the question being asked is, when secret: how the person's next message is kept. */
  secretAnswer?: SecretAnswer;
  /** Recent failures, newest last: step and reason keys. */
  failures: Array<{ step: string; reason: string }>;
}

const MAX_FAILURES = 10;

/** Notes kept in conversation state (and so expiring with it). */
export class ProgressNotes {
  private readonly accessor: StatePropertyAccessor<Progress>;

  constructor(state: ConversationState) {
    this.accessor = state.createProperty('progress');
  }

  get(context: TurnContext): Promise<Progress> {
    return this.accessor.get(context, { failures: [] });
  }

  async note(context: TurnContext, patch: Partial<Omit<Progress, 'failures'>>): Promise<void> {
    Object.assign(await this.get(context), patch);
  }

  async failed(context: TurnContext, step: string, reason: string): Promise<void> {
    const progress = await this.get(context);
    progress.failures = [...progress.failures, { step, reason }].slice(-MAX_FAILURES);
  }

  async clear(context: TurnContext): Promise<void> {
    await this.accessor.delete(context);
  }
}
