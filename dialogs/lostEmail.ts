import { ComponentDialog, type WaterfallStepContext, WaterfallDialog } from 'botbuilder-dialogs';
import { AskDialog, type AskResult, localeOf } from './ask';
import { yesNoOptions } from './options';
import * as parse from './parsers';
import type { DialogServices } from './services';

/** When the registered mailbox cannot be opened: the ways that remain (FACTS.md), and a person if agents serve. */
export class LostEmailDialog extends ComponentDialog {
  static readonly id = 'lostEmail';

  constructor(private readonly services: DialogServices) {
    super(LostEmailDialog.id);
    this.addDialog(new AskDialog('lostEmail.offerAgent', services, parse.yesNo));
    this.addDialog(new WaterfallDialog('lostEmail.steps', [this.explain, this.handOver]));
    this.initialDialogId = 'lostEmail.steps';
  }

  private explain = async (step: WaterfallStepContext) => {
    const locale = localeOf(step.context, this.services.config.DEFAULT_LOCALE);
    const t = this.services.texts.for(locale);
    this.services.metrics.stepReached.inc({ step: 'lost_email' });
    await step.context.sendActivity(t('lost:intro'));
    await step.context.sendActivity(t('lost:provider'));
    await step.context.sendActivity(t('lost:office'));
    await step.context.sendActivity(t('lost:abroad'));
    await step.context.sendActivity(t('lost:free'));
    if (!this.services.handoff) return step.endDialog({ ok: true });
    return step.beginDialog('lostEmail.offerAgent', { prompt: 'handoff:offer', options: yesNoOptions(this.services.texts, locale) });
  };

  private handOver = async (step: WaterfallStepContext) => {
    const answer = step.result as AskResult<boolean>;
    if (!answer.ok || !answer.value) return step.endDialog({ ok: true });
    if (this.services.handoff && (await this.services.handoff(step.context, 'lost_email'))) return step.endDialog({ ok: true, quiet: true });
    const t = this.services.texts.for(localeOf(step.context, this.services.config.DEFAULT_LOCALE));
    await step.context.sendActivity(t('faq:talk_to_agent'));
    return step.endDialog({ ok: true });
  };
}
