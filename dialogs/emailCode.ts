import { TurnContext } from 'botbuilder';
import type { WaterfallStepContext } from 'botbuilder-dialogs';
import { maskEmail } from '../src/recovery/mask';
import type { Locale } from '../src/i18n';
import type { VerifiedAccount } from '../src/recovery/types';
import type { CodeAnswer } from '../src/understanding/understand';
import type { AskResult } from './ask';
import { FlowDialog } from './flow';
import { LostEmailDialog } from './lostEmail';
import { alsoChosenBy, localOptions, yesNoOptions } from './options';
import type { DialogServices } from './services';

interface EmailCodeOptions {
  account: VerifiedAccount;
  /** 'code' skips the email confirmation when asking for the code again. */
  stage?: 'code';
}

/** Registered email → code sent → code typed → one-time link to set the new key. */
export class EmailCodeDialog extends FlowDialog {
  static readonly id = 'emailCode';

  constructor(services: DialogServices) {
    super(EmailCodeDialog.id, services, ['confirm', 'code']);
    this.addDialog(new LostEmailDialog(services));
    this.addSteps([this.confirmEmail, this.sendCode, this.askCode, this.checkCode]);
  }

  private texts(step: WaterfallStepContext) {
    return { locale: this.locale(step), t: this.t(step) };
  }

  private confirmEmail = async (step: WaterfallStepContext) => {
    const { account, stage } = step.options as EmailCodeOptions;
    if (stage === 'code') return step.next({ ok: true, value: 'skip', given: {} } satisfies AskResult<string>);
    const { locale, t } = this.texts(step);
    const email = maskEmail(account.email);
    if (account.mailboxLost) {
      await step.context.sendActivity(t('code:mailboxLost', { email }));
      return step.replaceDialog(LostEmailDialog.id);
    }
    return this.ask(step, 'confirm', {
      prompt: 'code:confirmEmail',
      vars: { email, name: account.firstName },
      // "ya no tengo ese correo" answers this question: no; "tengo acceso", "ese es": yes.
      expect: {
        kind: 'choice',
        choices: alsoChosenBy(this.services.texts, yesNoOptions(this.services.texts, locale, { no: ['no_email_access'] }), {
          yes: 'code:synonyms.hasAccess',
        }),
      },
      progress: true,
      unclear: 'yes_no',
    });
  };

  private sendCode = async (step: WaterfallStepContext) => {
    const result = step.result as AskResult<string>;
    if (!result.ok) return this.settle(step, result);
    if (result.value === 'skip') return step.next();
    if (result.value === 'no') return step.replaceDialog(LostEmailDialog.id);
    return (await this.send(step)) ? step.next() : step.endDialog({ ok: true });
  };

  private askCode = async (step: WaterfallStepContext) => {
    const { locale } = this.texts(step);
    return this.ask(step, 'code', {
      prompt: 'code:ask',
      expect: {
        kind: 'code',
        choices: localOptions(this.services.texts, locale, 'code', ['resend', 'not_received'], { not_received: ['code_not_received'] }),
      },
      progress: true,
    });
  };

  private checkCode = async (step: WaterfallStepContext) => {
    const result = step.result as AskResult<CodeAnswer>;
    if (!result.ok) return this.settle(step, result);
    const { account } = step.options as EmailCodeOptions;
    const { t } = this.texts(step);
    const again = () => step.replaceDialog(this.stepsId, { account, stage: 'code' } satisfies EmailCodeOptions);
    const answer = result.value;

    if ('choice' in answer) {
      if (answer.choice === 'not_received') {
        await step.context.sendActivity(t('faq:code_not_received'));
        return again();
      }
      return (await this.send(step)) ? again() : step.endDialog({ ok: true });
    }

    const verdict = await this.services.codes.verify(account, answer.code);
    this.services.metrics.codesVerified.inc({ result: verdict.status });
    if (verdict.status === 'wrong') {
      await step.context.sendActivity(verdict.triesLeft > 0 ? t('code:wrong', { count: verdict.triesLeft }) : t('code:noTriesLeft'));
      return again();
    }
    if (verdict.status === 'expired') {
      await step.context.sendActivity(t('code:expired'));
      return again();
    }
    if (verdict.status === 'dailyLimit') {
      await step.context.sendActivity(t('code:dailyLimit'));
      return step.endDialog({ ok: true });
    }
    await this.sendLink(step, account);
    return step.endDialog({ ok: true, quiet: true });
  };

  /** Sends a code; false when the hourly limit stops the flow. */
  private async send(step: WaterfallStepContext): Promise<boolean> {
    const { account } = step.options as EmailCodeOptions;
    const { locale, t } = this.texts(step);
    const sent = await this.services.codes.send(account, locale);
    if (sent.status === 'sent') {
      this.services.metrics.codesSent.inc({ kind: account.kind });
      this.services.metrics.stepReached.inc({ step: 'code_sent' });
      await step.context.sendActivity(t('code:sent', { email: maskEmail(account.email), minutes: sent.expiresInMinutes }));
      this.tellIfUndelivered(step.context, sent.delivery, locale);
      return true;
    }
    if (sent.status === 'wait') {
      await step.context.sendActivity(t('code:wait', { count: sent.seconds }));
      return true;
    }
    await step.context.sendActivity(t(sent.status === 'dailyLimit' ? 'code:dailyLimit' : 'code:limit'));
    return false;
  }

  /** The email goes out after the reply; when the mail server refuses it, the chat hears so later. */
  private tellIfUndelivered(context: TurnContext, delivery: Promise<boolean>, locale: Locale): void {
    const reference = TurnContext.getConversationReference(context.activity);
    void delivery
      .then(async (delivered) => {
        if (delivered) return;
        this.services.metrics.codeEmailFailures.inc();
        this.services.log.warn({ channel: reference.channelId }, 'code email not delivered');
        await this.services.tellLater(reference, locale, 'code:notSent');
      })
      .catch((error: Error) => this.services.log.warn({ err: { type: error?.name } }, 'could not tell the chat the code email failed'));
  }

  private async sendLink(step: WaterfallStepContext, account: VerifiedAccount): Promise<void> {
    const { locale, t } = this.texts(step);
    const url = await this.services.links.create({
      kind: account.kind,
      accountId: account.accountId,
      locale,
      conversation: TurnContext.getConversationReference(step.context.activity),
    });
    this.services.metrics.stepReached.inc({ step: 'link_sent' });
    await step.context.sendActivity(t('code:verified'));
    await step.context.sendActivity(t('code:link', { url, minutes: Math.round(this.services.config.LINK_TTL_SECONDS / 60) }));
  }
}
