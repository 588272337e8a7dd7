import { ComponentDialog, type DialogTurnResult, type WaterfallStepContext } from 'botbuilder-dialogs';
import type { Locale } from '../src/i18n';
import type { FlowId } from '../src/understanding/actions';
import type { Given } from '../src/understanding/understand';
import type { AskOptions, AskResult } from './ask';
import type { DialogServices } from './services';
import { turnLocale } from './turnLocale';

/** How a flow ends, as its caller (the menu) reads it. */
export type FlowResult =
  | { ok: true; quiet?: boolean }
  | { ok: false; gaveUp: true }
  | { ok: false; switchTo: FlowId; given: Given };

export type NotAnswered = Exclude<AskResult<unknown>, { ok: true }>;

/** What every flow is started with: values already given, and how many identity checks failed. */
export interface FlowOptions {
  given?: Given;
  mismatches?: number;
  /** Started again within the flow (a correction, "intentar de nuevo"): introductions are not repeated. */
  restarted?: boolean;
}

/**
 * The base of every flow: the turn's locale, questions asked through the one AskDialog,
 * and one place that handles what is not an answer (gave up, other flow, values for
 * other steps, start again) so no step repeats it.
 */
export abstract class FlowDialog extends ComponentDialog {
  constructor(
    id: string,
    protected readonly services: DialogServices,
    /** The waterfall that a restart begins again. */
    protected readonly stepsId: string,
  ) {
    super(id);
    this.initialDialogId = stepsId;
  }

  protected locale(step: WaterfallStepContext): Locale {
    return turnLocale(step.context, this.services.config.DEFAULT_LOCALE);
  }

  protected t(step: WaterfallStepContext) {
    return this.services.texts.for(this.locale(step));
  }

  protected ask(step: WaterfallStepContext, dialogId: string, options: AskOptions): Promise<DialogTurnResult> {
    return step.beginDialog(dialogId, options);
  }

  /** Ends or restarts the flow for a result that holds no value. */
  protected async settle(step: WaterfallStepContext, result: NotAnswered): Promise<DialogTurnResult> {
    if ('gaveUp' in result) return step.endDialog({ ok: false, gaveUp: true } satisfies FlowResult);
    if ('switchTo' in result) return step.endDialog(result satisfies FlowResult);
    if ('restart' in result) return this.restart(step, {});
    const before = this.merge(step, {});
    const after = this.merge(step, result.given);
    const replaced = (Object.keys(result.given) as (keyof Given)[]).some((k) => before[k] !== undefined && before[k] !== after[k]);
    await step.context.sendActivity(this.t(step)(replaced ? 'understanding:updated' : 'understanding:noted'));
    return this.restart(step, after);
  }

  /** Starts the flow's steps again; steps whose value is already given are skipped. */
  protected restart(step: WaterfallStepContext, given: Given): Promise<DialogTurnResult> {
    const mismatches = (step.options as FlowOptions).mismatches;
    return step.replaceDialog(this.stepsId, { given, mismatches, restarted: true } satisfies FlowOptions);
  }

  /** The values the flow holds once `given` is taken in (flows without identity values hold none). */
  protected merge(_step: WaterfallStepContext, _given: Given): Given {
    return {};
  }
}
