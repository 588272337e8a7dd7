import { ActionTypes, type Activity, MessageFactory } from 'botbuilder';
import type { Choice } from '../src/understanding/choices';

export type { Choice };

/**
 * Channels without buttons get a numbered list the user answers with "1", "uno" or the option's
 * words. WhatsApp gets the buttons and renders them itself (buttons, a list, or numbered text).
 */
const LIST_CHANNELS = new Set(['console', 'sms']);

/** Channels where the options may carry no number (the web's buttons): hints say "tap", not "type its number". */
export function showsUnnumberedButtons(channelId: string): boolean {
  return !LIST_CHANNELS.has(channelId) && channelId !== 'whatsapp';
}

export function renderChoices(channelId: string, text: string, choices: Choice[]): Partial<Activity> {
  if (LIST_CHANNELS.has(channelId)) {
    const list = choices.map((o, i) => `${i + 1}. ${o.label}`).join('\n');
    return MessageFactory.text(`${text}\n\n${list}`);
  }
  return MessageFactory.suggestedActions(
    choices.map((o) => ({ type: ActionTypes.ImBack, title: o.label, value: o.label })),
    text,
  );
}
