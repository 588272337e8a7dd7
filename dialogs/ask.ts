import { type DialogContext, type DialogInstance, Dialog, type DialogTurnResult } from 'botbuilder-dialogs';
import type { TurnContext } from 'botbuilder';
import { type Locale, pickLocale } from '../src/i18n';
import { renderChoices, matchOption, type Option } from './choices';
import { handleInterruption } from './interruptions';
import type { DialogServices, IntentResult } from './services';

/** What a parser gets: the text, the option it selects (if any) and a lazy intent. */
export interface AskInput {
  text: string;
  option?: Option;
  locale: Locale;
  intent(): Promise<IntentResult>;
}

/** A parse either gives the value or a reason; the reason is a locale key under `reasons:`. */
export type AskParse<T> = (input: AskInput) => Promise<ParseOutcome<T>> | ParseOutcome<T>;
export type ParseOutcome<T> = { ok: true; value: T } | { ok: false; reason: string };

export interface AskOptions {
  /** Locale key of the question. */
  prompt: string;
  vars?: Record<string, unknown>;
  options?: Option[];
}

/** What the flow receives: the value, or `gaveUp` after too many failed tries. */
export type AskResult<T> = { ok: true; value: T } | { ok: false; gaveUp: true };

interface AskState {
  options: AskOptions;
  tries: number;
}

export const MAX_TRIES = 3;

export function localeOf(context: TurnContext, fallback: Locale): Locale {
  return pickLocale(context.activity.locale, fallback);
}

/**
 * Asks one question and keeps asking until the answer parses. Each wrong answer gets its
 * specific reason; questions and commands typed instead are handled and the question is
 * asked again; after MAX_TRIES wrong answers the flow gets `gaveUp` and offers help.
 */
export class AskDialog<T> extends Dialog<AskOptions> {
  constructor(
    dialogId: string,
    private readonly services: DialogServices,
    private readonly parse: AskParse<T>,
  ) {
    super(dialogId);
  }

  async beginDialog(dc: DialogContext, options?: AskOptions): Promise<DialogTurnResult> {
    const state: AskState = { options: options ?? { prompt: 'common:fallbackPrompt' }, tries: 0 };
    dc.activeDialog!.state = state;
    this.services.metrics.stepReached.inc({ step: this.id });
    await this.services.progress.note(dc.context, { step: this.id });
    await this.ask(dc.context, state.options);
    return Dialog.EndOfTurn;
  }

  async continueDialog(dc: DialogContext): Promise<DialogTurnResult> {
    const activity = dc.context.activity;
    if (activity.type !== 'message') return Dialog.EndOfTurn;
    const state = dc.activeDialog!.state as AskState;
    const locale = localeOf(dc.context, this.services.config.DEFAULT_LOCALE);
    const text = (activity.text ?? '').trim();
    let intent: Promise<IntentResult> | undefined;
    const input: AskInput = {
      text,
      locale,
      option: state.options.options ? matchOption(text, state.options.options, locale, this.services.texts) : undefined,
      intent: () => (intent ??= this.services.nlu.recognize(text, locale)),
    };

    const outcome = text ? await this.parse(input) : { ok: false as const, reason: 'empty' };
    if (outcome.ok) return dc.endDialog({ ok: true, value: outcome.value } satisfies AskResult<T>);

    const interruption = await handleInterruption(dc, input, this.services);
    // The bot clears the stack and starts over after this turn.
    if (interruption === 'restart') return Dialog.EndOfTurn;
    if (interruption === 'handled') {
      await this.ask(dc.context, state.options);
      return Dialog.EndOfTurn;
    }

    state.tries += 1;
    await this.services.progress.failed(dc.context, this.id, outcome.reason);
    await dc.context.sendActivity(this.services.texts.t(locale, `reasons:${outcome.reason}`));
    if (state.tries >= MAX_TRIES) return dc.endDialog({ ok: false, gaveUp: true } satisfies AskResult<T>);
    await this.ask(dc.context, state.options);
    return Dialog.EndOfTurn;
  }

  async repromptDialog(context: TurnContext, instance: DialogInstance): Promise<void> {
    await this.ask(context, (instance.state as AskState).options);
  }

  private async ask(context: TurnContext, options: AskOptions): Promise<void> {
    const locale = localeOf(context, this.services.config.DEFAULT_LOCALE);
    const text = this.services.texts.t(locale, options.prompt, options.vars);
    await context.sendActivity(
      options.options?.length ? renderChoices(context.activity.channelId, text, options.options) : text,
    );
  }
}
