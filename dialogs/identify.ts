import type { TurnContext } from 'botbuilder';
import type { WaterfallStepContext } from 'botbuilder-dialogs';
import { CLIENT_ADDRESS, type LimitSource } from '../src/recovery/limits';
import { maskNumber } from '../src/recovery/mask';
import type { ChallengeAnswer, DayMonth, Subject } from '../src/recovery/types';
import type { Expectation, Given } from '../src/understanding/understand';
import type { AskResult } from './ask';
import { EmailCodeDialog } from './emailCode';
import { FlowDialog, type FlowOptions, type FlowResult } from './flow';
import { alsoChosenBy, yesNoOptions } from './options';
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

/** One identity value a recovery flow asks for. */
export interface IdentityQuestion {
  /** The question (the AskDialog `<flow>.<name>`, a step of the funnel) and the value of `Given` it fills. */
  name: string;
  key: 'cedula' | 'ruc' | 'birth';
  prompt: string;
  again?: string;
  expect: Expectation;
}

/** What tells the person and the employer recoveries apart; everything else they share. */
export interface IdentityFlow {
  id: 'person' | 'employer';
  /** Said before the first question, not again after a restart. */
  intro?: string;
  /** The two values, in the order they are asked. */
  questions: readonly [IdentityQuestion, IdentityQuestion];
  /** Whose account is asked for, once both values are held. */
  subject(inputs: Given): Subject;
}

/**
 * The person and employer recoveries: two identity values (asked unless already given,
 * replaced when corrected), challenge questions, the identity check (same answer whether
 * the number is registered or not), then the email and code.
 *
 * What the person typed to identify themselves is kept in the saved state only until the
 * identity check: `verify` drops it (LOPDP: keep no longer than needed).
 */
export class IdentifyDialog extends FlowDialog {
  constructor(
    private readonly flow: IdentityFlow,
    services: DialogServices,
  ) {
    super(flow.id, services, [...flow.questions.map((q) => q.name), 'retry']);
    this.addDialog(new QuestionsDialog(services));
    this.addDialog(new EmailCodeDialog(services));
    this.addSteps([this.start, this.askFirst, this.askSecond, this.askChallenge, this.checkIdentity, (step) => this.afterVerify(step)]);
  }

  /** The values held so far, in the terms the understanding reads them. */
  private inputs(step: WaterfallStepContext): Given {
    const stored = step.values as { identityInputs?: Given };
    return (stored.identityInputs ??= {});
  }

  /** Takes the flow's values a message held into its inputs (a later value replaces an earlier one). */
  private absorb(inputs: Given, given: Given): void {
    for (const { key } of this.flow.questions) if (given[key]) Object.assign(inputs, { [key]: given[key] });
  }

  protected merge(step: WaterfallStepContext, given: Given): Given {
    const inputs = this.inputs(step);
    this.absorb(inputs, given);
    return { ...inputs };
  }

  /** First step: values given before they were asked (at the menu, or before a restart). */
  private start = async (step: WaterfallStepContext) => {
    const options = (step.options ?? {}) as FlowOptions;
    if (options.given) this.absorb(this.inputs(step), options.given);
    delete options.given;
    return step.next();
  };

  private askFirst = async (step: WaterfallStepContext) => {
    if (this.flow.intro && !(step.options as FlowOptions).restarted) await step.context.sendActivity(this.t(step)(this.flow.intro));
    return this.askFor(step, this.flow.questions[0]);
  };

  private askSecond = async (step: WaterfallStepContext) => {
    const first = step.result as AskResult<unknown>;
    if (!first.ok) return this.settle(step, first);
    // The number typed at a step is that step's value; another beside it is the other step's.
    this.absorb(this.inputs(step), { ...first.given, [this.flow.questions[0].key]: first.value });
    return this.askFor(step, this.flow.questions[1]);
  };

  private askChallenge = async (step: WaterfallStepContext) => {
    const second = step.result as AskResult<unknown>;
    if (!second.ok) return this.settle(step, second);
    this.absorb(this.inputs(step), { ...second.given, [this.flow.questions[1].key]: second.value });
    const known = { ...this.inputs(step) };
    const options: QuestionsOptions = { subject: this.flow.subject(known), known, flow: this.flow.id };
    return step.beginDialog(QuestionsDialog.id, options);
  };

  private checkIdentity = async (step: WaterfallStepContext) => {
    const inputs = this.inputs(step);
    return this.verify(step, this.flow.subject(inputs), inputs.birth);
  };

  /** Asks for one value, unless the person already gave it. */
  private askFor(step: WaterfallStepContext, { name, key, prompt, again, expect }: IdentityQuestion) {
    const known = { ...this.inputs(step) };
    const value = known[key];
    if (value !== undefined) return step.next({ ok: true, value, given: {} } satisfies AskResult<unknown>);
    const progress = Object.values(known).some((v) => v !== undefined);
    return this.ask(step, name, { prompt, again, expect, known, progress, flow: this.flow.id });
  }

  /** Checks everything at once, so no step reveals which part was wrong. */
  private async verify(step: WaterfallStepContext, subject: Subject, birth: DayMonth | undefined) {
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
      expect: {
        kind: 'choice',
        choices: alsoChosenBy(this.services.texts, yesNoOptions(this.services.texts, this.locale(step)), {
          yes: 'understanding:synonyms.again',
        }),
      },
      unclear: 'yes_no',
    });
  }

  /** Ends with the email/code flow's result, or starts over when the user wants to retry. */
  private async afterVerify(step: WaterfallStepContext) {
    if (values(step).verified) return step.endDialog(step.result);
    const retry = step.result as AskResult<string>;
    if (!retry.ok) return this.settle(step, retry);
    if (retry.value === 'yes') return step.replaceDialog(this.stepsId, { mismatches: values(step).mismatches } satisfies FlowOptions);
    return step.endDialog({ ok: true } satisfies FlowResult);
  }
}
