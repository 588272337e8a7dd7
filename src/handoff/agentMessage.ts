import { type Activity, ActivityTypes, CardFactory } from 'botbuilder';
import { AGENT_MARK } from '../recovery/mask';

/** The web widget (our Direct Line): a card of its own colour with the agent's name on top. */
const CARD_CHANNELS = new Set(['directline']);

/**
 * A message from an agent as the person reads it: on the web widget a bubble of its own
 * (an Adaptive Card with the name and role as its heading), elsewhere the text with the
 * name and role in bold before it, which every channel shows.
 */
export function agentActivity(channelId: string, label: string, text: string, labelled: string): Partial<Activity> {
  const channelData = { [AGENT_MARK]: true };
  if (!CARD_CHANNELS.has(channelId)) return { type: ActivityTypes.Message, text: labelled, channelData };
  const card = CardFactory.adaptiveCard({
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: '1.3',
    speak: `${label}: ${text}`,
    body: [
      {
        type: 'Container',
        style: 'good',
        bleed: true,
        items: [
          { type: 'TextBlock', text: label, weight: 'Bolder', size: 'Small', wrap: true },
          { type: 'TextBlock', text, wrap: true },
        ],
      },
    ],
  });
  return { type: ActivityTypes.Message, attachments: [card], channelData };
}
