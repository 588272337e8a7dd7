import {
  ActivityHandler,
  type ConversationReference,
  type ConversationState,
  type StatePropertyAccessor,
  type TurnContext,
} from 'botbuilder';
import { type Dialog, type DialogState, DialogSet, DialogTurnStatus } from 'botbuilder-dialogs';
import type { ConversationLanguage } from '../../dialogs/language';
import { RESTART } from '../../dialogs/interruptions';
import { tellKeyChanged } from '../../dialogs/keyChanged';
import type { MainReason } from '../../dialogs/mainDialog';
import { turnLocale } from '../../dialogs/turnLocale';
import type { Locale, Texts } from '../i18n';
import { type Logger, logTag } from '../log';
import { channelLabel, type Metrics } from '../metrics';
import type { FollowUp, TurnInterceptor, TurnRecorder } from './ports';
import type { Survey } from '../survey';
import { ConversationBusyError } from '../errors';
import type { TurnQueue } from './turnQueue';
import { countMessage, type Pace } from './pace';

interface ConversationFlags {
  greeted?: boolean;
}

export type { TurnInterceptor, TurnRecorder };

/** Everything the bot is made of; the interceptor and recorder exist only when people can be handed to agents. */
export interface BotParts {
  state: ConversationState;
  queue: TurnQueue;
  /** The conversation (the main menu and every flow under it), begun with `{ reason: MainReason }`. */
  dialog: Dialog;
  language: ConversationLanguage;
  texts: Texts;
  log: Logger;
  metrics: Metrics;
  /** Messages a conversation may send per minute before it is asked to slow down. */
  messagesPerMinute: number;
  now: () => number;
  /** Keys the conversation tags in the logs (SERVER_SECRET). */
  secret: string;
  defaultLocale: Locale;
  /** The official site, named in what to do after the key changed (IESS_SITE). */
  iessSite: string;
  interceptor?: TurnInterceptor;
  recorder?: TurnRecorder;
  /** «¿Te sirvió?» after the key was changed: its answers are taken before the dialogs see them. */
  survey?: Survey;
}

/**
 * The bot: one turn at a time per conversation, the dialogs for messages, state saved
 * after every turn, and a kind answer instead of a crash when something fails.
 */
export class RecoveryBot extends ActivityHandler {
  private readonly dialogState: StatePropertyAccessor<DialogState>;
  private readonly flags: StatePropertyAccessor<ConversationFlags>;
  private readonly pace: StatePropertyAccessor<Pace>;
  private readonly dialogs: DialogSet;
  private readonly state: ConversationState;
  private readonly language: ConversationLanguage;
  readonly queue: TurnQueue;

  /** The recovery survey (its results for the supervisor and the tests). */
  get survey(): Survey | undefined {
    return this.parts.survey;
  }

  constructor(private readonly parts: BotParts) {
    super();
    ({ state: this.state, language: this.language, queue: this.queue } = parts);
    this.dialogState = this.state.createProperty('dialogState');
    this.flags = this.state.createProperty('flags');
    this.pace = this.state.createProperty('pace');
    this.dialogs = new DialogSet(this.dialogState).add(parts.dialog);

    this.onMessage(async (context, next) => {
      await this.onUserMessage(context);
      await next();
    });
    this.onMembersAdded(async (context, next) => {
      const joined = (context.activity.membersAdded ?? []).some((m) => m.id !== context.activity.recipient?.id);
      if (joined) {
        await this.language.resolve(context);
        await this.runDialogs(context);
      }
      await next();
    });
  }

  /** Runs one turn, in the conversation's turn order. */
  run(context: TurnContext): Promise<void> {
    return this.guarded(context, () => this.queue.run(conversationKey(context), () => this.turn(context)));
  }

  /**
   * Holds the conversation's turn order while `work` runs (a channel that must read its own
   * store first, in arrival order); `work` runs its turns with `turn`, which does not queue
   * again. Rejects, without running `work`, when the order cannot be had (store down, busy).
   */
  inOrder(
    channelId: string,
    conversationId: string,
    work: (turn: (context: TurnContext) => Promise<void>) => Promise<void>,
  ): Promise<void> {
    return this.queue.run(`${channelId}/${conversationId}`, () => work((context) => this.guarded(context, () => this.turn(context))));
  }

  private async turn(context: TurnContext): Promise<void> {
    try {
      await this.parts.recorder?.attach(context);
      await super.run(context);
    } finally {
      await this.state.saveChanges(context);
    }
  }

  /** Counts and times the turn, and answers kindly when it fails. */
  private async guarded(context: TurnContext, body: () => Promise<void>): Promise<void> {
    const channel = channelLabel(context.activity.channelId);
    const conversationId = context.activity.conversation?.id ?? 'unknown';
    const stopTimer = this.parts.metrics.turnSeconds.startTimer({ channel });
    this.parts.metrics.turns.inc({ channel });
    this.parts.log.debug({ channel, conversation: logTag(conversationId, this.parts.secret), type: context.activity.type }, 'turn');
    try {
      await body();
    } catch (error) {
      await this.failTurn(context, error);
    } finally {
      stopTimer();
    }
  }

  /**
   * Sends a message later (the key changed, an agent replied) inside the conversation's turn
   * order; what the sender asks afterwards (start over, greet again) is done in the same turn.
   */
  async continueWith(context: TurnContext, logic: (context: TurnContext) => Promise<FollowUp | void>): Promise<void> {
    await this.queue.run(conversationKey(context), async () => {
      await this.parts.recorder?.attach(context);
      await this.followUp(context, await logic(context));
      await this.state.saveChanges(context);
    });
  }

  /**
   * The key was changed on the new-key page (inside `continueWith`): the news and what to do
   * next, then the survey, unless the person is in the middle of something else, where a
   * "2" meant for a question must not be read as a rating.
   */
  async keyChanged(context: TurnContext, locale: Locale): Promise<void> {
    await tellKeyChanged(context, this.parts.texts, this.parts.iessSite, locale);
    const busy = ((await this.dialogState.get(context))?.dialogStack.length ?? 0) > 0;
    if (this.parts.survey && !busy) await this.parts.survey.ask(context, { channel: channelLabel(context.activity.channelId) }, { locale });
  }

  /** Forgets where the dialogs were, so the next message starts from the menu. */
  private async resetDialogs(context: TurnContext): Promise<void> {
    await this.dialogState.delete(context);
  }

  /** Offers the menu, without reading the message that came (a survey comment is no request). */
  private async offerMenu(context: TurnContext): Promise<void> {
    await this.resetDialogs(context);
    const dc = await this.dialogs.createContext(context);
    await dc.beginDialog(this.parts.dialog.id, { reason: 'done' satisfies MainReason });
  }

  /** Does what a message from outside the dialogs asked of them. */
  private async followUp(context: TurnContext, then: FollowUp | void): Promise<void> {
    if (then === 'restart') await this.resetDialogs(context);
    else if (then === 'offerMenu') await this.offerMenu(context);
    else if (then === 'greetAgain') {
      await this.resetDialogs(context);
      await this.runDialogs(context);
    }
  }

  private async onUserMessage(context: TurnContext): Promise<void> {
    const allowed = countMessage(await this.pace.get(context, {}), this.parts.messagesPerMinute, this.parts.now());
    const locale = await this.language.resolve(context);
    if (!allowed) {
      await context.sendActivity(this.parts.texts.t(locale, 'common:slowDown'));
      return;
    }
    if (this.parts.interceptor) {
      const { handled, then } = await this.parts.interceptor.intercept(context);
      await this.followUp(context, then);
      if (handled) return;
    }
    const surveyed = this.parts.survey ? await this.parts.survey.handle(context) : 'none';
    // Once the survey is answered, the menu says what can come next (the comment is no request).
    if (surveyed === 'done') await this.offerMenu(context);
    if (surveyed !== 'none') return;
    await this.runDialogs(context);
  }

  private async runDialogs(context: TurnContext): Promise<void> {
    const dc = await this.dialogs.createContext(context);
    const result = await dc.continueDialog();
    const restart = context.turnState.get<string | undefined>(RESTART);
    if (restart) await dc.cancelAllDialogs();
    else if (result.status !== DialogTurnStatus.empty) return;
    if (restart === 'handoff') return;
    const flags = await this.flags.get(context, {});
    const reason: MainReason = restart === 'menu' || restart === 'cancel' ? restart : flags.greeted ? 'again' : 'new';
    flags.greeted = true;
    await dc.beginDialog(this.parts.dialog.id, { reason });
  }

  private async failTurn(context: TurnContext, error: unknown): Promise<void> {
    const busy = error instanceof ConversationBusyError;
    this.parts.metrics.turnErrors.inc({ channel: channelLabel(context.activity.channelId) });
    this.parts.log.error(
      { err: busy ? undefined : errorSummary(error), channel: context.activity.channelId },
      busy ? 'conversation busy' : 'turn failed',
    );
    const t = this.parts.texts.for(turnLocale(context, this.parts.defaultLocale));
    await context.sendActivity(t(busy ? 'common:busy' : 'common:error')).catch(() => undefined);
  }
}

/**
 * Turn order is kept per channel and conversation: a conversation id
 * chosen on one channel never touches a conversation of another (state keys carry the
 * channel too).
 */
function conversationKey(context: TurnContext): string {
  return `${context.activity.channelId ?? 'unknown'}/${context.activity.conversation?.id ?? 'unknown'}`;
}

/** Error name and message only: stacks and causes may carry user input. */
function errorSummary(error: unknown) {
  return error instanceof Error ? { type: error.name, message: error.message.slice(0, 200) } : { type: typeof error };
}

export type { ConversationReference };
