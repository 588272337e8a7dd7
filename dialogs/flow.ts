import { ComponentDialog, type DialogTurnResult, WaterfallDialog, type WaterfallStep, type WaterfallStepContext } from 'botbuilder-dialogs';
import type { Locale } from '../src/i18n';
import type { FlowId } from '../src/understanding/actions';
import type { Given } from '../src/understanding/understand';
import { AskDialog, type AskOptions, type AskResult } from './ask';
import type { DialogServices } from './services';
import { turnLocale } from './turnLocale';

/** How a flow ends, as its caller (the menu) reads it. */
export type FlowResult = { ok: true; quiet?: boolean } | { ok: false; gaveUp: true } | { ok: false; switchTo: FlowId; given: Given };

export type NotAnswered = Exclude<AskResult<unknown>, { ok: true }>;

/** What every flow is started with: values already given, and how many identity checks failed. */
export interface FlowOptions {
  given?: Given;
  mismatches?: number;
  /** Started again within the flow (a correction, "intentar de nuevo"): introductions are not repeated. */
  restarted?: boolean;
}

/**
 * The base of every flow: its questions (the AskDialogs `<flow>.<question>`) and its steps
 * (the waterfall `<flow>.steps`), the turn's locale, and one place that handles what is not
 * an answer (gave up, other flow, values for other steps, start again) so no step repeats it.
 */
export abstract class FlowDialog extends ComponentDialog {
  /** The waterfall that a restart begins again. */
  protected readonly stepsId: string;

  constructor(
    id: string,
    protected readonly services: DialogServices,
    questions: readonly string[] = [],
  ) {
    super(id);
    this.stepsId = `${id}.steps`;
    this.initialDialogId = this.stepsId;
    for (const question of questions) this.addDialog(new AskDialog(`${id}.${question}`, services));
  }

  protected addSteps(steps: WaterfallStep[]): void {
    this.addDialog(new WaterfallDialog(this.stepsId, steps));
  }

  protected locale(step: WaterfallStepContext): Locale {
    return turnLocale(step.context, this.services.config.DEFAULT_LOCALE);
  }

  protected t(step: WaterfallStepContext) {
    return this.services.texts.for(this.locale(step));
  }

  /** Asks one of the flow's questions (named in the constructor). */
  protected ask(step: WaterfallStepContext, question: string, options: AskOptions): Promise<DialogTurnResult> {
    return step.beginDialog(`${this.id}.${question}`, options);
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
