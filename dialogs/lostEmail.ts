import { ComponentDialog, type WaterfallStepContext, WaterfallDialog } from 'botbuilder-dialogs';
import { localeOf } from './ask';
import type { DialogServices } from './services';

/** When the registered mailbox cannot be opened: the ways that remain (FACTS.md). */
export class LostEmailDialog extends ComponentDialog {
  static readonly id = 'lostEmail';

  constructor(private readonly services: DialogServices) {
    super(LostEmailDialog.id);
    this.addDialog(new WaterfallDialog('lostEmail.steps', [this.explain]));
    this.initialDialogId = 'lostEmail.steps';
  }

  private explain = async (step: WaterfallStepContext) => {
    const t = this.services.texts.for(localeOf(step.context, this.services.config.DEFAULT_LOCALE));
    this.services.metrics.stepReached.inc({ step: 'lost_email' });
    await step.context.sendActivity(t('lost:intro'));
    await step.context.sendActivity(t('lost:provider'));
    await step.context.sendActivity(t('lost:office'));
    await step.context.sendActivity(t('lost:abroad'));
    await step.context.sendActivity(t('lost:free'));
    return step.endDialog({ ok: true });
  };
}
