import type { TurnContext } from 'botbuilder';
import { ComponentDialog, type WaterfallStepContext } from 'botbuilder-dialogs';
import { CLIENT_ADDRESS, type LimitSource } from '../src/recovery/limits';
import { maskNumber } from '../src/recovery/mask';
import type { DayMonth, Subject } from '../src/recovery/types';
import { AskDialog, type AskResult, localeOf } from './ask';
import { EmailCodeDialog } from './emailCode';
import { yesNoOptions } from './options';
import * as parse from './parsers';
import { QuestionsDialog } from './questions';
import type { DialogServices } from './services';

interface IdentifyValues {
  verified?: boolean;
  mismatches?: number;
}
const values = (step: WaterfallStepContext) => step.values as IdentifyValues;


/**
 * What the person typed to identify themselves (cédula, birth date, RUC), kept in the saved
 * state only until the identity check: `verify` drops it (LOPDP: keep no longer than needed).
 */
export function identityInputs<T extends object>(step: WaterfallStepContext): T {
  const stored = step.values as { identityInputs?: T };
  return (stored.identityInputs ??= {} as T);
}

/** Where an identity check comes from: the conversation (on WhatsApp, the number) and, on the web chat, the address. */
function limitSource(context: TurnContext): LimitSource {
  const { channelId, conversation } = context.activity;
  return { conversation: `${channelId}:${conversation.id}`, address: context.turnState.get(CLIENT_ADDRESS) };
}

/** After this many identity mismatches the bot offers help instead of another try. */
const MAX_MISMATCHES = 2;

export interface IdentifyOptions {
  mismatches?: number;
}

/**
 * Shared tail of the person and employer flows: challenge questions, the identity check
 * (same answer whether the number is registered or not), then the email and code.
 */
export abstract class IdentifyDialog extends ComponentDialog {
  constructor(
    id: string,
    protected readonly services: DialogServices,
  ) {
    super(id);
    this.addDialog(new QuestionsDialog(services));
    this.addDialog(new EmailCodeDialog(services));
    this.addDialog(new AskDialog(`${id}.retry`, services, parse.yesNo));
  }

  protected locale(step: WaterfallStepContext) {
    return localeOf(step.context, this.services.config.DEFAULT_LOCALE);
  }


  protected askQuestions(step: WaterfallStepContext, subject: Subject) {
    return step.beginDialog(QuestionsDialog.id, { subject });
  }

  /** Checks everything at once, so no step reveals which part was wrong. */
  protected async verify(step: WaterfallStepContext, subject: Subject, birth: DayMonth | undefined) {
    const answers = step.result as AskResult<number[]>;
    if (!answers.ok) return step.endDialog(answers);
    const t = this.services.texts.for(this.locale(step));
    const number = subject.kind === 'person' ? subject.cedula : subject.ruc;
    const checked = await this.services.limits.identityCheck(`${subject.kind}:${number}`, limitSource(step.context), () =>
      this.services.identity.verify(subject, birth, answers.value),
    );
    if (!checked.ok) {
      const count = Math.ceil(checked.retryAfterSeconds / 60);
      await step.context.sendActivity(t(checked.by === 'source' ? 'recovery:tooManyTriesHere' : 'recovery:tooManyTries', { count }));
      return step.endDialog({ ok: true });
    }
    const account = checked.result;
    delete (step.values as { identityInputs?: unknown }).identityInputs;
    await this.services.progress.note(step.context, { profile: subject.kind, maskedNumber: maskNumber(number) });
    if (account) {
      this.services.metrics.stepReached.inc({ step: `${subject.kind}_verified` });
      values(step).verified = true;
      return step.beginDialog(EmailCodeDialog.id, { account });
    }
    const mismatches = ((step.options as IdentifyOptions).mismatches ?? 0) + 1;
    values(step).mismatches = mismatches;
    await this.services.progress.failed(step.context, 'identity', 'no_match');
    await step.context.sendActivity(t('recovery:noMatch'));
    if (mismatches >= MAX_MISMATCHES) return step.endDialog({ ok: false, gaveUp: true });
    return step.beginDialog(`${this.id}.retry`, {
      prompt: 'recovery:retry',
      options: yesNoOptions(this.services.texts, this.locale(step)),
    });
  }

  /** Ends with the email/code flow's result, or starts over when the user wants to retry. */
  protected async afterVerify(step: WaterfallStepContext) {
    if (values(step).verified) return step.endDialog(step.result);
    const retry = step.result as AskResult<boolean>;
    if (!retry.ok) return step.endDialog(retry);
    if (retry.value) return step.replaceDialog(this.id, { mismatches: values(step).mismatches } satisfies IdentifyOptions);
    return step.endDialog({ ok: true });
  }
}
