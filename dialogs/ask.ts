import { MessageFactory, type TurnContext } from 'botbuilder';
import { type DialogContext, type DialogInstance, Dialog, type DialogTurnResult } from 'botbuilder-dialogs';
import type { Locale } from '../src/i18n';
import { ANSWER_MARK, type SecretAnswer } from '../src/recovery/mask';
import { actionOf, type FlowId } from '../src/understanding/actions';
import {
  type AnswerOf,
  type Expectation,
  type ExpectationKind,
  type Given,
  type Reading,
  unclearReason,
} from '../src/understanding/understand';
import { type Choice, renderChoices, showsUnnumberedButtons } from './choices';
import { handleRequest, leave } from './interruptions';
import { alsoChosenBy, localOptions, yesNoOptions } from './options';
import type { DialogServices } from './services';
import { turnLocale } from './turnLocale';

export interface AskOptions<K extends ExpectationKind = ExpectationKind> {
  /** Locale key of the question. */
  prompt: string;
  /** Locale key of the question asked again (after a side question or an answer not understood), when the first wording would not fit twice («Gracias. Ahora, …»). */
  again?: string;
  vars?: Record<string, unknown>;
  expect: Extract<Expectation, { kind: K }>;
  /** Values the flow holds; when given, values meant for other steps come back as `given`. */
  known?: Given;
  /** There is something to lose: leaving asks first. */
  progress?: boolean;
  /** The flow this step belongs to: a request for another one offers to switch. */
  flow?: FlowId;
  /** Locale key under `reasons:` when the answer is not understood (default by expectation). */
  unclear?: string;
  /** The answer is a secret of its own (a challenge question): kept hidden whole. */
  secret?: boolean;
}

/** What the answer to a question is, when secret: every writer masks it before keeping it. */
function secretAnswerOf(options: AskOptions): SecretAnswer | undefined {
  switch (options.expect.kind) {
    case 'cedula':
    case 'ruc':
      return 'number';
    case 'dayMonth':
      return 'birth';
    case 'code':
      return 'code';
    default:
      return options.secret ? 'answer' : undefined;
  }
}

/** What the flow receives from one question. */
export type AskResult<V> =
  | { ok: true; value: V; given: Given }
  /** Too many answers not understood: the flow offers help. */
  | { ok: false; gaveUp: true }
  /** Values for other steps (given early, or correcting an earlier one). */
  | { ok: false; given: Given }
  /** The person wants the other flow (a RUC at the cédula step, agreed). */
  | { ok: false; switchTo: FlowId; given: Given }
  /** Start the flow again from its first question ("intentar de nuevo"). */
  | { ok: false; restart: true };

/** A short question of the step's own, asked before going on. */
type Pending =
  | { kind: 'leave'; command: 'cancel' | 'menu' }
  | { kind: 'switch'; flow: FlowId; given: Given }
  | { kind: 'dontKnow' }
  | { kind: 'clarify'; choices: Choice[] };

interface AskState {
  options: AskOptions;
  tries: number;
  pending?: Pending;
}

export const MAX_TRIES = 3;

/**
 * Follows the person into the other language when they clearly write in it (the words of
 * the options on screen do not count), and says so in one line. 'onlyAsked': the message
 * did nothing else ("en español por favor"), so the question is simply asked again.
 */
export async function switchLanguage(context: TurnContext, services: DialogServices, shown: Choice[]) {
  const switched = await services.language.follow(
    context,
    shown.map((c) => c.label),
  );
  if (!switched) return undefined;
  await context.sendActivity(services.texts.t(switched.locale, 'understanding:languageSwitched'));
  return switched.onlyAsked ? ('onlyAsked' as const) : ('switched' as const);
}

/**
 * Asks one question and reads each answer with the one understanding of the app. A value
 * ends the step; a request is acted on and the question asked again; a close call, a lost
 * progress, a number of the other kind or "ninguna" get one short question of their own;
 * after MAX_TRIES answers not understood the flow gets `gaveUp` and offers help.
 */
export class AskDialog extends Dialog<AskOptions> {
  constructor(
    dialogId: string,
    private readonly services: DialogServices,
  ) {
    super(dialogId);
  }

  async beginDialog(dc: DialogContext, options?: AskOptions): Promise<DialogTurnResult> {
    if (!options) throw new Error(`${this.id}: asked without options`);
    const state: AskState = { options, tries: 0 };
    dc.activeDialog!.state = state;
    this.services.metrics.stepReached.inc({ step: this.id });
    await this.services.progress.note(dc.context, { step: this.id, secretAnswer: secretAnswerOf(options) });
    await this.ask(dc.context, state.options);
    return Dialog.EndOfTurn;
  }

  async continueDialog(dc: DialogContext): Promise<DialogTurnResult> {
    const activity = dc.context.activity;
    if (activity.type !== 'message') return Dialog.EndOfTurn;
    const state = dc.activeDialog!.state as AskState;
    const shown = 'choices' in state.options.expect ? state.options.expect.choices : [];
    const switched = await switchLanguage(dc.context, this.services, [
      ...shown,
      ...(state.pending?.kind === 'clarify' ? state.pending.choices : []),
    ]);
    if (switched === 'onlyAsked') return this.askAgain(dc, state);
    const locale = this.locale(dc.context);
    const text = (activity.text ?? '').trim();

    if (state.pending) {
      const pending = state.pending;
      state.pending = undefined;
      const settled = await this.settlePending(dc, state, pending, text, locale);
      if (settled) return settled;
    }

    const options = state.options;
    const reading = await this.services.understanding.read(text, options.expect, { locale, known: options.known ?? {} });
    return this.act(dc, state, reading, locale);
  }

  async repromptDialog(context: TurnContext, instance: DialogInstance): Promise<void> {
    await this.ask(context, (instance.state as AskState).options);
  }

  private async act(dc: DialogContext, state: AskState, reading: Reading, locale: Locale): Promise<DialogTurnResult> {
    const options = state.options;
    const t = this.services.texts.for(locale);
    const send = (key: string, vars?: Record<string, unknown>) => dc.context.sendActivity(t(key, vars));
    switch (reading.kind) {
      case 'answer':
        return this.end(dc, { ok: true, value: reading.value, given: reading.given });
      case 'given':
        if (options.known) return this.end(dc, { ok: false, given: reading.given });
        break;
      case 'otherFlow':
        // Within its own flow, a number of the other kind corrects that flow's other value.
        if (options.known && reading.flow === options.flow) return this.end(dc, { ok: false, given: reading.given });
        if (options.known) return this.pend(dc, state, { kind: 'switch', flow: reading.flow, given: reading.given }, locale);
        break;
      case 'key':
        await send('common:keyWarning');
        return this.askAgain(dc, state);
      case 'dontKnow':
        return this.pend(dc, state, { kind: 'dontKnow' }, locale);
      case 'clarify':
        return this.pend(dc, state, { kind: 'clarify', choices: reading.choices }, locale);
      case 'intent': {
        const action = actionOf(reading.intent);
        if (action?.kind === 'flow' && options.known && options.flow && action.flow !== options.flow && action.flow !== 'lostEmail')
          return this.pend(dc, state, { kind: 'switch', flow: action.flow, given: {} }, locale);
        // "necesito la clave" while recovering it: yes, that is what we are doing.
        if (action?.kind === 'flow' && action.flow === options.flow) return this.askAgain(dc, state);
        // A flow that holds nothing yet (a menu of answers) has nothing to lose: the other one starts at once.
        if (action?.kind === 'flow' && !options.known && options.flow && action.flow !== options.flow)
          return this.end(dc, { ok: false, switchTo: action.flow, given: {} });
        // A recovery is under way at its own steps; the menus (main, questions, lost mailbox) hold none,
        // and there the question asked again needs no «Sigamos donde nos quedamos».
        const running = options.flow === 'person' || options.flow === 'employer' || !!options.progress;
        const outcome = await handleRequest(dc, reading.intent, this.services, locale, {
          progress: !!options.progress,
          resume: running,
          running,
        });
        if (outcome === 'restart') return Dialog.EndOfTurn; // the bot starts over after this turn
        if (outcome === 'handled') return this.askAgain(dc, state);
        if (typeof outcome === 'object') return this.pend(dc, state, { kind: 'leave', command: outcome.confirm }, locale);
        break;
      }
      case 'unclear':
        return this.notUnderstood(dc, state, reading.reason, locale);
    }
    return this.notUnderstood(dc, state, options.unclear ?? unclearReason(options.expect, dc.context.activity.text ?? ''), locale);
  }

  private async notUnderstood(dc: DialogContext, state: AskState, reason: string, locale: Locale) {
    const key = state.options.unclear && (reason === 'option' || reason === 'empty') ? state.options.unclear : reason;
    state.tries += 1;
    await this.services.progress.failed(dc.context, this.id, key);
    // i18next context: `reasons:menu_buttons` where the buttons have no numbers, else `reasons:menu`.
    const context = showsUnnumberedButtons(dc.context.activity.channelId) ? { context: 'buttons' } : undefined;
    await dc.context.sendActivity(this.services.texts.t(locale, `reasons:${key}`, context));
    if (state.tries >= MAX_TRIES) return this.end(dc, { ok: false, gaveUp: true });
    return this.askAgain(dc, state);
  }

  /** Reads the answer to the step's own short question; undefined when the person moved on. */
  private async settlePending(dc: DialogContext, state: AskState, pending: Pending, text: string, locale: Locale) {
    const t = this.services.texts.for(locale);
    const choices = this.pendingChoices(pending, locale);
    const answerFirst = pending.kind === 'leave' || pending.kind === 'switch';
    const reading = await this.services.understanding.read(text, { kind: 'choice', choices, answerFirst }, { locale });
    if (reading.kind !== 'answer') return undefined;
    const yes = reading.value === 'yes';
    switch (pending.kind) {
      case 'leave':
        if (yes) {
          await leave(dc, pending.command, this.services, locale, true);
          return Dialog.EndOfTurn;
        }
        await dc.context.sendActivity(t('understanding:stay'));
        return this.askAgain(dc, state);
      case 'switch':
        if (yes) return this.end(dc, { ok: false, switchTo: pending.flow, given: pending.given });
        await dc.context.sendActivity(t(`understanding:otherFlowNo.${pending.flow}`));
        return this.askAgain(dc, state);
      case 'dontKnow':
        if (reading.value === 'again') return this.end(dc, { ok: false, restart: true });
        if ((await handleRequest(dc, 'talk_to_agent', this.services, locale, { progress: false, resume: true })) === 'restart')
          return Dialog.EndOfTurn;
        return this.askAgain(dc, state);
      case 'clarify': {
        const value = state.options.expect.kind === 'code' ? { choice: reading.value } : reading.value;
        return this.end(dc, { ok: true, value: value, given: {} });
      }
    }
  }

  private pendingChoices(pending: Pending, locale: Locale): Choice[] {
    if (pending.kind === 'clarify') return pending.choices;
    if (pending.kind === 'dontKnow')
      return localOptions(this.services.texts, locale, 'understanding', ['again', 'agent'], { agent: ['talk_to_agent'] });
    // Words that answer this question in particular: «quiero seguir» stays, «es el RUC de mi negocio» switches.
    const [yes, no] =
      pending.kind === 'leave' ? ['leave', 'stay'] : pending.flow === 'employer' ? ['toEmployer', 'toPerson'] : ['toPerson', 'toEmployer'];
    return alsoChosenBy(this.services.texts, yesNoOptions(this.services.texts, locale), {
      yes: `understanding:synonyms.${yes}`,
      no: `understanding:synonyms.${no}`,
    });
  }

  private async pend(dc: DialogContext, state: AskState, pending: Pending, locale: Locale) {
    state.pending = pending;
    const t = this.services.texts.for(locale);
    const prompt =
      pending.kind === 'leave'
        ? t('understanding:confirmLeave')
        : pending.kind === 'switch'
          ? t(`understanding:otherFlow.${pending.flow === 'person' ? 'person' : 'employer'}`)
          : pending.kind === 'dontKnow'
            ? t(state.options.expect.kind === 'text' ? 'understanding:dontKnowTyped' : 'understanding:dontKnow')
            : t('understanding:clarify', { first: pending.choices[0].label, second: pending.choices[1].label });
    await dc.context.sendActivity(renderChoices(dc.context.activity.channelId, prompt, this.pendingChoices(pending, locale)));
    return Dialog.EndOfTurn;
  }

  private end(dc: DialogContext, result: AskResult<AnswerOf[ExpectationKind]>) {
    return dc.endDialog(result);
  }

  private async askAgain(dc: DialogContext, state: AskState) {
    const options = state.options;
    await this.ask(dc.context, options.again ? { ...options, prompt: options.again } : options);
    return Dialog.EndOfTurn;
  }

  private locale(context: TurnContext): Locale {
    return turnLocale(context, this.services.config.DEFAULT_LOCALE);
  }

  private async ask(context: TurnContext, options: AskOptions): Promise<void> {
    const text = this.services.texts.t(this.locale(context), options.prompt, options.vars);
    const choices = 'choices' in options.expect ? options.expect.choices : [];
    const question = choices.length ? renderChoices(context.activity.channelId, text, choices) : MessageFactory.text(text);
    await context.sendActivity({ ...question, channelData: { [ANSWER_MARK]: secretAnswerOf(options) ?? 'open' } });
  }
}
