import type { DialogContext } from 'botbuilder-dialogs';
import { looksLikeKey } from '../src/recovery/textChecks';
import type { AskInput } from './ask';
import type { DialogServices } from './services';

/** Turn-state key telling the bot to start the main dialog again, and why. */
export const RESTART = Symbol('restart');
export type RestartReason = 'menu' | 'cancel' | 'handoff';

const FAQ_INTENTS = new Set([
  'faq_forgot_email', 'faq_new_email', 'faq_how_long', 'faq_employer', 'faq_security',
  'faq_blocked_key', 'faq_biess', 'faq_key_rules', 'faq_turno', 'code_not_received', 'no_email_access',
]);

/**
 * Commands and questions that may come at any step. 'handled' means the bot answered and
 * the current question is asked again; 'restart' means the flow was left; 'none' means
 * the message was not an interruption.
 */
export async function handleInterruption(
  dc: DialogContext,
  input: AskInput,
  services: DialogServices,
): Promise<'none' | 'handled' | 'restart'> {
  const t = services.texts.for(input.locale);
  const send = (key: string) => dc.context.sendActivity(t(key));
  const restart = (reason: RestartReason) => {
    dc.context.turnState.set(RESTART, reason);
    return 'restart' as const;
  };

  if (looksLikeKey(input.text)) {
    await send('common:keyWarning');
    return 'handled';
  }
  const { intent } = await input.intent();
  switch (intent) {
    case 'cancel':
      await send('common:cancelled');
      return restart('cancel');
    case 'menu':
      return restart('menu');
    case 'help':
      await send('common:help');
      return 'handled';
    case 'talk_to_agent':
      if (services.handoff && (await services.handoff(dc.context, 'asked'))) return restart('handoff');
      await send('faq:talk_to_agent');
      return 'handled';
    case 'thanks':
      await send('common:youreWelcome');
      return 'handled';
    case 'greeting':
      await send('common:hello');
      return 'handled';
  }
  if (FAQ_INTENTS.has(intent)) {
    await send(`faq:${intent}`);
    await send('common:resume');
    return 'handled';
  }
  return 'none';
}
