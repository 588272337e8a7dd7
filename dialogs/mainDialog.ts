import type { WaterfallStepContext } from 'botbuilder-dialogs';
import { INTENTS } from '../src/nlu/intents';
import { actionOf, type FlowId } from '../src/understanding/actions';
import type { Given } from '../src/understanding/understand';
import { type AskResult, switchLanguage } from './ask';
import { EMPLOYER_RECOVERY } from './employerRecovery';
import { FaqDialog } from './faq';
import { FlowDialog, type FlowOptions, type FlowResult } from './flow';
import { IdentifyDialog } from './identify';
import { handleRequest } from './interruptions';
import { LostEmailDialog } from './lostEmail';
import { localOptions } from './options';
import { PERSON_RECOVERY } from './personRecovery';
import type { DialogServices } from './services';

/** Why the menu is shown; 'done': a topic just ended, and the menu offers what can come next. */
export type MainReason = 'new' | 'again' | 'menu' | 'cancel' | 'gaveUp' | 'switch' | 'done';

type MenuValue = FlowId | 'agent';
const MENU: MenuValue[] = ['person', 'employer', 'lostEmail', 'faq', 'agent'];

/** The intents that choose each menu option, read from the intent table. */
const MENU_INTENTS: Partial<Record<MenuValue, string[]>> = {};
for (const intent of INTENTS) {
  const action = actionOf(intent);
  const value = action?.kind === 'flow' ? action.flow : action?.kind === 'command' && action.command === 'agent' ? 'agent' : undefined;
  if (value) (MENU_INTENTS[value] ??= []).push(intent);
}

const MENU_PROMPT: Record<MainReason, string> = {
  new: 'main:menu',
  again: 'main:menuAgain',
  menu: 'main:menu',
  cancel: 'main:menuAgain',
  gaveUp: 'main:helpOffer',
  switch: 'main:menu',
  done: 'main:menuAgain',
};

interface MainOptions {
  reason?: MainReason;
  switchTo?: FlowId;
  given?: Given;
}

/** Greeting, menu, and the flow the person picks (or asked for in their first words). */
export class MainDialog extends FlowDialog {
  static readonly id = 'main';

  constructor(services: DialogServices) {
    super(MainDialog.id, services, ['menu']);
    this.addDialog(new IdentifyDialog(PERSON_RECOVERY, services));
    this.addDialog(new IdentifyDialog(EMPLOYER_RECOVERY, services));
    this.addDialog(new LostEmailDialog(services));
    this.addDialog(new FaqDialog(services));
    this.addSteps([this.greet, this.route, this.finish]);
  }

  private menu(step: WaterfallStepContext, reason: MainReason) {
    return this.ask(step, 'menu', {
      prompt: MENU_PROMPT[reason],
      expect: { kind: 'choice', choices: localOptions(this.services.texts, this.locale(step), 'main', MENU, MENU_INTENTS) },
      known: {},
      unclear: 'menu',
    });
  }

  private greet = async (step: WaterfallStepContext) => {
    const options = (step.options ?? {}) as MainOptions;
    const reason = options.reason ?? 'new';
    const given = options.given ?? {};
    delete options.given;
    if (options.switchTo) return step.next({ ok: true, value: options.switchTo, given } satisfies AskResult<MenuValue>);
    const text = step.context.activity.type === 'message' ? (step.context.activity.text ?? '').trim() : '';
    const reads = text !== '' && (reason === 'new' || reason === 'again');
    const switched = reads ? await switchLanguage(step.context, this.services, []) : undefined;
    const t = this.t(step);
    if (reason === 'new') {
      await step.context.sendActivity(t('main:greeting'));
      await step.context.sendActivity(t('main:privacy'));
    }
    if (!reads || switched === 'onlyAsked') return this.menu(step, reason);

    // The first words often say it all: "olvidé mi clave", "hola, mi cédula es …", "¿dónde saco un turno?".
    const choices = localOptions(this.services.texts, this.locale(step), 'main', MENU, MENU_INTENTS);
    const reading = await this.services.understanding.read(text, { kind: 'choice', choices, unseen: true }, { locale: this.locale(step) });
    if (reading.kind === 'answer')
      return step.next({ ok: true, value: reading.value as MenuValue, given: reading.given } satisfies AskResult<MenuValue>);
    // A cédula or RUC alone starts its flow; a date alone says too little.
    if (reading.kind === 'given' && (reading.given.cedula || reading.given.ruc))
      return step.next({ ok: true, value: reading.given.ruc ? 'employer' : 'person', given: reading.given } satisfies AskResult<MenuValue>);
    if (reading.kind === 'key') await step.context.sendActivity(t('common:keyWarning'));
    if (reading.kind === 'intent' && this.answersAtMenu(reading.intent, reason)) {
      const outcome = await handleRequest(step, reading.intent, this.services, this.locale(step), { progress: false, resume: false });
      if (outcome === 'restart') return step.endDialog({ ok: true, quiet: true } satisfies FlowResult);
    }
    return this.menu(step, reason);
  };

  /** Before the menu, questions, thanks and "ayuda" are answered; "menú" and "cancelar" just get the menu, as does "hola" with the greeting. */
  private answersAtMenu(intent: string, reason: MainReason): boolean {
    const action = actionOf(intent);
    if (action?.kind === 'smalltalk') return !(reason === 'new' && intent === 'greeting');
    return (
      action?.kind === 'answer' || (action?.kind === 'flow' && !!action.answer) || (action?.kind === 'command' && action.command === 'help')
    );
  }

  private route = async (step: WaterfallStepContext) => {
    const choice = step.result as AskResult<MenuValue>;
    const t = this.t(step);
    // A cédula or RUC typed at the menu starts its flow with it.
    if (!choice.ok && 'given' in choice && (choice.given.cedula || choice.given.ruc))
      return step.beginDialog(choice.given.ruc ? 'employer' : 'person', { given: choice.given } satisfies FlowOptions);
    if (!choice.ok && 'given' in choice) return step.replaceDialog(this.stepsId, { reason: 'menu' } satisfies MainOptions);
    if (!choice.ok && !('gaveUp' in choice)) return this.settle(step, choice);
    if (!choice.ok || choice.value === 'agent') {
      const offered = (step.options as MainOptions)?.reason === 'gaveUp';
      const reason = !choice.ok ? 'menu_failed' : offered ? 'gave_up' : 'asked';
      if (await this.services.handoff(step.context, reason)) return step.endDialog({ ok: true, quiet: true } satisfies FlowResult);
      await step.context.sendActivity(t('faq:talk_to_agent'));
      return step.replaceDialog(this.stepsId, { reason: 'done' } satisfies MainOptions);
    }
    this.services.metrics.stepReached.inc({ step: `menu_${choice.value}` });
    return step.beginDialog(choice.value, { given: choice.given } satisfies FlowOptions);
  };

  private finish = async (step: WaterfallStepContext) => {
    const result = step.result as FlowResult | undefined;
    if (result && !result.ok && 'gaveUp' in result) return step.replaceDialog(this.stepsId, { reason: 'gaveUp' } satisfies MainOptions);
    if (result && !result.ok && 'switchTo' in result)
      return step.replaceDialog(this.stepsId, { reason: 'switch', switchTo: result.switchTo, given: result.given } satisfies MainOptions);
    // A topic that ended says what can come next: the menu, never a bare "write to me".
    if (!result?.ok || !result.quiet) return step.replaceDialog(this.stepsId, { reason: 'done' } satisfies MainOptions);
    return step.endDialog();
  };
}
