import type { TurnContext } from 'botbuilder';
import type { WaterfallStepContext } from 'botbuilder-dialogs';
import { CLIENT_ADDRESS, type LimitSource } from '../src/recovery/limits';
import { maskNumber } from '../src/recovery/mask';
import type { ChallengeAnswer, DayMonth, Subject } from '../src/recovery/types';
import type { Expectation, Given } from '../src/understanding/understand';
import type { AskResult } from './ask';
import { EmailCodeDialog } from './emailCode';
import { FlowDialog, type FlowOptions, type FlowResult } from './flow';
import { yesNoOptions } from './options';
import { QuestionsDialog, type QuestionsOptions } from './questions';
import type { DialogServices } from './services';

interface IdentifyValues {
  verified?: boolean;
  mismatches?: number;
}
const values = (step: WaterfallStepContext) => step.values as IdentifyValues;

/** Where an identity check comes from: the conversation (on WhatsApp, the number) and, on the web chat, the address. */
function limitSource(context: TurnContext): LimitSource {
  const { channelId, conversation } = context.activity;
  return { conversation: `${channelId}:${conversation.id}`, address: context.turnState.get(CLIENT_ADDRESS) };
}

/** After this many identity mismatches the bot offers help instead of another try. */
const MAX_MISMATCHES = 2;

/**
 * Shared part of the person and employer flows: the identity values (asked unless already
 * given, replaced when corrected), challenge questions, the identity check (same answer
 * whether the number is registered or not), then the email and code.
 *
 * What the person typed to identify themselves is kept in the saved state only until the
 * identity check: `verify` drops it (LOPDP: keep no longer than needed).
 */
export abstract class IdentifyDialog<Inputs extends object> extends FlowDialog {
  constructor(id: string, services: DialogServices, questions: readonly string[]) {
    super(id, services, [...questions, 'retry']);
    this.addDialog(new QuestionsDialog(services));
    this.addDialog(new EmailCodeDialog(services));
  }

  /** Takes the values a message held into the flow's inputs (a later value replaces an earlier one). */
  protected abstract absorb(inputs: Inputs, given: Given): void;
  /** The flow's inputs in the terms the understanding reads them. */
  protected abstract asGiven(inputs: Inputs): Given;

  protected inputs(step: WaterfallStepContext): Inputs {
    const stored = step.values as { identityInputs?: Inputs };
    return (stored.identityInputs ??= {} as Inputs);
  }

  protected merge(step: WaterfallStepContext, given: Given): Given {
    const inputs = this.inputs(step);
    this.absorb(inputs, given);
    return this.asGiven(inputs);
  }

  /** First step: values given before they were asked (at the menu, or before a restart). */
  protected start = async (step: WaterfallStepContext) => {
    const options = (step.options ?? {}) as FlowOptions;
    if (options.given) this.absorb(this.inputs(step), options.given);
    delete options.given;
    return step.next();
  };

  /** Asks for one value, unless the person already gave it. */
  protected askFor(step: WaterfallStepContext, question: string, value: unknown, prompt: string, expect: Expectation, again?: string) {
    if (value !== undefined) return step.next({ ok: true, value, given: {} } satisfies AskResult<unknown>);
    const known = this.asGiven(this.inputs(step));
    return this.ask(step, question, { prompt, again, expect, known, progress: Object.values(known).some((v) => v !== undefined), flow: this.id as 'person' });
  }

  protected askQuestions(step: WaterfallStepContext, subject: Subject) {
    const known = this.asGiven(this.inputs(step));
    return step.beginDialog(QuestionsDialog.id, { subject, known, flow: this.id as 'person' } satisfies QuestionsOptions);
  }

  /** Checks everything at once, so no step reveals which part was wrong. */
  protected async verify(step: WaterfallStepContext, subject: Subject, birth: DayMonth | undefined) {
    const answers = step.result as AskResult<ChallengeAnswer[]>;
    if (!answers.ok) return this.settle(step, answers);
    const t = this.t(step);
    const number = subject.kind === 'person' ? subject.cedula : subject.ruc;
    const checked = await this.services.limits.identityCheck(`${subject.kind}:${number}`, limitSource(step.context), () =>
      this.services.identity.verify(subject, birth, answers.value),
    );
    if (!checked.ok) {
      const count = Math.ceil(checked.retryAfterSeconds / 60);
      await step.context.sendActivity(t(checked.by === 'source' ? 'recovery:tooManyTriesHere' : 'recovery:tooManyTries', { count }));
      return step.endDialog({ ok: true } satisfies FlowResult);
    }
    const account = checked.result;
    delete (step.values as { identityInputs?: unknown }).identityInputs;
    await this.services.progress.note(step.context, { profile: subject.kind, maskedNumber: maskNumber(number) });
    if (account) {
      this.services.metrics.stepReached.inc({ step: `${subject.kind}_verified` });
      values(step).verified = true;
      return step.beginDialog(EmailCodeDialog.id, { account });
    }
    const mismatches = ((step.options as FlowOptions).mismatches ?? 0) + 1;
    values(step).mismatches = mismatches;
    await this.services.progress.failed(step.context, 'identity', 'no_match');
    await step.context.sendActivity(t('recovery:noMatch'));
    if (mismatches >= MAX_MISMATCHES) return step.endDialog({ ok: false, gaveUp: true } satisfies FlowResult);
    return this.ask(step, 'retry', {
      prompt: 'recovery:retry',
      expect: { kind: 'choice', choices: yesNoOptions(this.services.texts, this.locale(step)) },
      unclear: 'yes_no',
    });
  }

  /** Ends with the email/code flow's result, or starts over when the user wants to retry. */
  protected async afterVerify(step: WaterfallStepContext) {
    if (values(step).verified) return step.endDialog(step.result);
    const retry = step.result as AskResult<string>;
    if (!retry.ok) return this.settle(step, retry);
    if (retry.value === 'yes')
      return step.replaceDialog(this.stepsId, { mismatches: values(step).mismatches } satisfies FlowOptions);
    return step.endDialog({ ok: true } satisfies FlowResult);
  }
}
