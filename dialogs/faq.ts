import { ComponentDialog, type WaterfallStepContext, WaterfallDialog } from 'botbuilder-dialogs';
import { AskDialog, type AskResult, localeOf } from './ask';
import { localOptions, yesNoOptions } from './options';
import * as parse from './parsers';
import type { DialogServices } from './services';

export const FAQ_TOPICS = [
  'faq_forgot_email', 'faq_new_email', 'faq_how_long', 'faq_employer', 'faq_security',
  'faq_blocked_key', 'faq_biess', 'faq_key_rules', 'faq_turno',
];

/** Frequent questions: pick one, read the answer, maybe ask another. */
export class FaqDialog extends ComponentDialog {
  static readonly id = 'faq';

  constructor(private readonly services: DialogServices) {
    super(FaqDialog.id);
    this.addDialog(new AskDialog('faq.topic', services, parse.option));
    this.addDialog(new AskDialog('faq.more', services, parse.yesNo));
    this.addDialog(new WaterfallDialog('faq.steps', [this.askTopic, this.answer, this.next]));
    this.initialDialogId = 'faq.steps';
  }

  private askTopic = async (step: WaterfallStepContext) => {
    const locale = localeOf(step.context, this.services.config.DEFAULT_LOCALE);
    return step.beginDialog('faq.topic', {
      prompt: 'faq:pick',
      options: localOptions(this.services.texts, locale, 'faq', FAQ_TOPICS),
    });
  };

  private answer = async (step: WaterfallStepContext) => {
    const topic = step.result as AskResult<string>;
    if (!topic.ok) return step.endDialog(topic);
    const locale = localeOf(step.context, this.services.config.DEFAULT_LOCALE);
    this.services.metrics.stepReached.inc({ step: topic.value });
    await step.context.sendActivity(this.services.texts.t(locale, `faq:${topic.value}`));
    return step.beginDialog('faq.more', { prompt: 'faq:more', options: yesNoOptions(this.services.texts, locale) });
  };

  private next = async (step: WaterfallStepContext) => {
    const more = step.result as AskResult<boolean>;
    if (more.ok && more.value) return step.replaceDialog('faq.steps');
    return step.endDialog(more.ok ? { ok: true } : more);
  };
}
