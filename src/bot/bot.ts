import {
  ActivityHandler,
  type ConversationReference,
  type ConversationState,
  type StatePropertyAccessor,
  type TurnContext,
} from 'botbuilder';
import { type DialogState, DialogSet, DialogTurnStatus } from 'botbuilder-dialogs';
import { RESTART } from '../../dialogs/interruptions';
import { MainDialog, type MainReason } from '../../dialogs/mainDialog';
import type { DialogServices } from '../../dialogs/services';
import { tellKeyChanged } from '../../dialogs/keyChanged';
import { turnLocale } from '../../dialogs/turnLocale';
import type { Locale } from '../i18n';
import { logTag } from '../log';
import type { Survey } from '../survey';
import type { ConversationLanguage } from './language';
import { channelLabel } from '../metrics';
import { ConversationBusyError } from '../errors';
import { TurnQueue } from './turnQueue';

interface ConversationFlags {
  greeted?: boolean;
}

/** Lets something outside the dialogs take a conversation's messages (human handoff). */
export interface TurnInterceptor {
  /** True when it handled the message and the dialogs must not run. */
  intercept(context: TurnContext): Promise<boolean>;
}

/** Keeps what is said in a conversation (redacted) for the agent who may take it over. */
export interface TurnRecorder {
  /** Called at the start of every turn, before anything is sent. */
  attach(context: TurnContext): Promise<void>;
}

/**
 * The bot: one turn at a time per conversation, the dialogs for messages, state saved
 * after every turn, and a kind answer instead of a crash when something fails.
 */
export class RecoveryBot extends ActivityHandler {
  private readonly dialogState: StatePropertyAccessor<DialogState>;
  private readonly flags: StatePropertyAccessor<ConversationFlags>;
  private readonly dialogs: DialogSet;
  interceptor?: TurnInterceptor;
  recorder?: TurnRecorder;
  /** «¿Te sirvió?» after the key was changed: its answers are taken before the dialogs see them. */
  survey?: Survey;

  constructor(
    private readonly state: ConversationState,
    private readonly services: DialogServices,
    readonly queue: TurnQueue,
    private readonly language: ConversationLanguage,
  ) {
    super();
    this.dialogState = state.createProperty('dialogState');
    this.flags = state.createProperty('flags');
    this.dialogs = new DialogSet(this.dialogState).add(new MainDialog(services));

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

  async run(context: TurnContext): Promise<void> {
    const channel = channelLabel(context.activity.channelId);
    const conversationId = context.activity.conversation?.id ?? 'unknown';
    const key = conversationKey(context);
    const stopTimer = this.services.metrics.turnSeconds.startTimer({ channel });
    this.services.metrics.turns.inc({ channel });
    this.services.log.debug(
      { channel, conversation: logTag(conversationId, this.services.config.SERVER_SECRET), type: context.activity.type },
      'turn',
    );
    try {
      await this.queue.run(key, async () => {
        try {
          await this.recorder?.attach(context);
          await super.run(context);
        } finally {
          await this.state.saveChanges(context);
        }
      });
    } catch (error) {
      await this.failTurn(context, error);
    } finally {
      stopTimer();
    }
  }

  /** Sends a message later (the key changed, an agent replied) inside the conversation's turn order. */
  async continueWith(context: TurnContext, logic: (context: TurnContext) => Promise<void>): Promise<void> {
    await this.queue.run(conversationKey(context), async () => {
      await this.recorder?.attach(context);
      await logic(context);
      await this.state.saveChanges(context);
    });
  }

  /**
   * The key was changed on the new-key page (inside `continueWith`): the news and what to do
   * next, then the survey, unless the person is in the middle of something else, where a
   * "2" meant for a question must not be read as a rating.
   */
  async keyChanged(context: TurnContext, locale: Locale): Promise<void> {
    await tellKeyChanged(context, this.services.texts, this.services.config.IESS_SITE, locale);
    const busy = ((await this.dialogState.get(context))?.dialogStack.length ?? 0) > 0;
    if (this.survey && !busy) await this.survey.ask(context, { channel: channelLabel(context.activity.channelId) }, { locale });
  }

  /** Forgets where the dialogs were, so the next message starts from the menu. */
  async resetDialogs(context: TurnContext): Promise<void> {
    await this.dialogState.delete(context);
  }

  /** Starts the conversation over from the menu (after an agent hands it back). */
  async greetAgain(context: TurnContext): Promise<void> {
    await this.resetDialogs(context);
    await this.runDialogs(context);
  }

  /** Offers the menu, without reading the message that came (a survey comment is no request). */
  async offerMenu(context: TurnContext): Promise<void> {
    await this.resetDialogs(context);
    const dc = await this.dialogs.createContext(context);
    await dc.beginDialog(MainDialog.id, { reason: 'done' satisfies MainReason });
  }

  private async onUserMessage(context: TurnContext): Promise<void> {
    // The saved state is read while the message is counted: one store round trip less per turn.
    const [allowed] = await Promise.all([
      this.services.limits.consume('message', conversationKey(context)),
      this.state.load(context),
    ]);
    const locale = await this.language.resolve(context);
    if (!allowed.ok) {
      await context.sendActivity(this.services.texts.t(locale, 'common:slowDown'));
      return;
    }
    if (this.interceptor && (await this.interceptor.intercept(context))) return;
    const surveyed = this.survey ? await this.survey.handle(context) : 'none';
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
    await dc.beginDialog(MainDialog.id, { reason });
  }

  private async failTurn(context: TurnContext, error: unknown): Promise<void> {
    const busy = error instanceof ConversationBusyError;
    this.services.metrics.turnErrors.inc({ channel: channelLabel(context.activity.channelId) });
    this.services.log.error(
      { err: busy ? undefined : errorSummary(error), channel: context.activity.channelId },
      busy ? 'conversation busy' : 'turn failed',
    );
    const t = this.services.texts.for(turnLocale(context, this.services.config.DEFAULT_LOCALE));
    await context.sendActivity(t(busy ? 'common:busy' : 'common:error')).catch(() => undefined);
  }
}

/**
 * Turn order and message limits are kept per channel and conversation: a conversation id
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
