import { ComponentDialog, type WaterfallStepContext, WaterfallDialog } from 'botbuilder-dialogs';
import { AskDialog, type AskResult, localeOf } from './ask';
import { EmployerRecoveryDialog } from './employerRecovery';
import { FaqDialog } from './faq';
import { LostEmailDialog } from './lostEmail';
import { localOptions } from './options';
import { PersonRecoveryDialog } from './personRecovery';
import type { DialogServices } from './services';

export type MainReason = 'new' | 'again' | 'menu' | 'cancel' | 'gaveUp';

const MENU = ['person', 'employer', 'lostEmail', 'faq', 'agent'];

/** Free text that names a menu option directly ("olvidé mi clave") skips the menu. */
const INTENT_TO_MENU: Record<string, string> = {
  recover_key: 'person',
  employer_key: 'employer',
  no_email_access: 'lostEmail',
  talk_to_agent: 'agent',
};

const MENU_PROMPT: Record<MainReason, string> = {
  new: 'main:menu',
  again: 'main:menuAgain',
  menu: 'main:menu',
  cancel: 'main:menuAgain',
  gaveUp: 'main:helpOffer',
};

/** Greeting, menu, and the flow the person picks. */
export class MainDialog extends ComponentDialog {
  static readonly id = 'main';

  constructor(private readonly services: DialogServices) {
    super(MainDialog.id);
    this.addDialog(new PersonRecoveryDialog(services));
    this.addDialog(new EmployerRecoveryDialog(services));
    this.addDialog(new LostEmailDialog(services));
    this.addDialog(new FaqDialog(services));
    this.addDialog(
      new AskDialog('main.menu', services, async ({ option, intent }) => {
        if (option) return { ok: true, value: option.value };
        const mapped = INTENT_TO_MENU[(await intent()).intent];
        return mapped ? { ok: true, value: mapped } : { ok: false, reason: 'menu' };
      }),
    );
    this.addDialog(new WaterfallDialog('main.steps', [this.greet, this.route, this.finish]));
    this.initialDialogId = 'main.steps';
  }

  private greet = async (step: WaterfallStepContext) => {
    const reason = ((step.options as { reason?: MainReason })?.reason ?? 'new') as MainReason;
    const locale = localeOf(step.context, this.services.config.DEFAULT_LOCALE);
    const t = this.services.texts.for(locale);
    if (reason === 'new') {
      await step.context.sendActivity(t('main:greeting'));
      await step.context.sendActivity(t('main:privacy'));
    }
    const text = step.context.activity.type === 'message' ? (step.context.activity.text ?? '').trim() : '';
    if (text && (reason === 'new' || reason === 'again')) {
      const direct = INTENT_TO_MENU[(await this.services.nlu.recognize(text, locale)).intent];
      if (direct) return step.next({ ok: true, value: direct } satisfies AskResult<string>);
    }
    return step.beginDialog('main.menu', {
      prompt: MENU_PROMPT[reason],
      options: localOptions(this.services.texts, locale, 'main', MENU),
    });
  };

  private route = async (step: WaterfallStepContext) => {
    const choice = step.result as AskResult<string>;
    const t = this.services.texts.for(localeOf(step.context, this.services.config.DEFAULT_LOCALE));
    if (!choice.ok || choice.value === 'agent') {
      const offered = (step.options as { reason?: MainReason })?.reason === 'gaveUp';
      const reason = !choice.ok ? 'menu_failed' : offered ? 'gave_up' : 'asked';
      if (this.services.handoff && (await this.services.handoff(step.context, reason)))
        return step.endDialog({ ok: true, quiet: true });
      await step.context.sendActivity(t('faq:talk_to_agent'));
      return step.endDialog({ ok: true });
    }
    this.services.metrics.stepReached.inc({ step: `menu_${choice.value}` });
    return step.beginDialog(choice.value);
  };

  private finish = async (step: WaterfallStepContext) => {
    const result = step.result as { ok: boolean; gaveUp?: boolean; quiet?: boolean } | undefined;
    if (result?.gaveUp) return step.replaceDialog('main.steps', { reason: 'gaveUp' });
    if (!result?.quiet) {
      const t = this.services.texts.for(localeOf(step.context, this.services.config.DEFAULT_LOCALE));
      await step.context.sendActivity(t('main:anythingElse'));
    }
    return step.endDialog();
  };
}
