import { ActionTypes, type Activity, CardFactory, MessageFactory } from 'botbuilder';
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

/** A link the person may open: what it says and where it goes. */
export interface Link {
  label: string;
  url: string;
}

/**
 * A message with links to open: on the web, buttons (a card with openUrl actions); elsewhere
 * each link as a Markdown link on its own line, which WhatsApp shows as its label and the
 * address alone on a line, and the terminal as «label: address».
 */
export function renderLinks(channelId: string, text: string, links: Link[]): Partial<Activity> {
  if (showsUnnumberedButtons(channelId)) {
    const buttons = links.map((l) => ({ type: ActionTypes.OpenUrl, title: l.label, value: l.url }));
    return MessageFactory.attachment(CardFactory.heroCard('', undefined, buttons), text);
  }
  return MessageFactory.text([text, ...links.map((l) => `[${l.label}](${l.url})`)].join('\n\n'));
}
