import type { DialogContext } from 'botbuilder-dialogs';
import type { Locale } from '../src/i18n';
import { actionOf, type Command } from '../src/understanding/actions';
import type { DialogServices } from './services';

/** Turn-state key telling the bot to start the main dialog again, and why. */
export const RESTART = Symbol('restart');
export type RestartReason = 'menu' | 'cancel' | 'handoff';

/**
 * What came of a request made in the middle of a step: 'handled' (answered; the step's
 * question is asked again), 'restart' (the flow was left), `confirm` (leaving would lose
 * progress: ask first), or 'none' (not a request this step can act on).
 */
export type RequestOutcome = 'handled' | 'restart' | 'none' | { confirm: 'cancel' | 'menu' };

/** Acts on a request typed at any step, as the intent table (src/understanding/actions.ts) says. */
export async function handleRequest(
  dc: DialogContext,
  intent: string,
  services: DialogServices,
  locale: Locale,
  {
    progress,
    resume,
    running = false,
  }: {
    progress: boolean;
    resume: boolean;
    /** A trámite (a recovery) is under way: "cancelar" says it was cancelled; otherwise there is nothing to cancel. */
    running?: boolean;
  },
): Promise<RequestOutcome> {
  const action = actionOf(intent);
  if (!action) return 'none';
  const t = services.texts.for(locale);
  switch (action.kind) {
    case 'answer':
    case 'flow':
      if (action.kind === 'flow' && !action.answer) return 'none';
      if (!services.texts.exists(locale, action.answer!)) return 'none';
      await dc.context.sendActivity(t(action.answer!));
      if (resume) await dc.context.sendActivity(t('common:resume'));
      return 'handled';
    case 'smalltalk':
      await dc.context.sendActivity(t(action.answer));
      return 'handled';
    case 'command':
      return command(dc, action.command, services, locale, progress, running);
    case 'reply':
      return 'none';
  }
}

async function command(
  dc: DialogContext,
  name: Command,
  services: DialogServices,
  locale: Locale,
  progress: boolean,
  running: boolean,
): Promise<RequestOutcome> {
  const t = services.texts.for(locale);
  switch (name) {
    case 'help':
      await dc.context.sendActivity(t('common:help'));
      return 'handled';
    case 'agent':
      if (await services.handoff(dc.context, 'asked')) return restart(dc, 'handoff');
      await dc.context.sendActivity(t('faq:talk_to_agent'));
      return 'handled';
    case 'cancel':
    case 'menu':
      if (progress) return { confirm: name };
      return leave(dc, name, services, locale, running);
  }
}

/** Leaves the flow: "cancelar" says so (or that nothing was under way), "menú" just shows the menu again. */
export async function leave(dc: DialogContext, name: 'cancel' | 'menu', services: DialogServices, locale: Locale, running: boolean) {
  if (name === 'cancel') await dc.context.sendActivity(services.texts.t(locale, running ? 'common:cancelled' : 'common:nothingToCancel'));
  return restart(dc, name);
}

function restart(dc: DialogContext, reason: RestartReason): 'restart' {
  dc.context.turnState.set(RESTART, reason);
  return 'restart';
}
