import { type Activity, ActivityTypes, type ConversationReference, type ResourceResponse, type TurnContext } from 'botbuilder';
import { randomUUID } from 'node:crypto';
import type { Logger } from '../../log';
import { questionAsked } from '../../recovery/mask';
import { ChannelAdapter, honourDelay } from '../channelAdapter';
import { DIRECTLINE_CHANNEL_ID } from './channel';
import type { ConversationLog } from './conversationLog';

export { DIRECTLINE_CHANNEL_ID };

/**
 * The bot side of our Direct Line server: whatever the bot sends is appended to the
 * conversation's log (typing is only pushed, never stored), so a page that is connected
 * gets it at once and a page that reconnects gets what it missed. Messages sent later
 * (key changed, an agent's reply) take the same way through `continueConversation`.
 */
export class DirectLineAdapter extends ChannelAdapter {
  readonly channelIds = [DIRECTLINE_CHANNEL_ID] as const;

  constructor(
    private readonly log: ConversationLog,
    private readonly logger: Logger,
  ) {
    super();
    this.onTurnError = async (_context, error) => {
      this.logger.error({ err: { type: error?.name } }, 'direct line turn error');
    };
  }

  async sendActivities(context: TurnContext, activities: Partial<Activity>[]): Promise<ResourceResponse[]> {
    const responses: ResourceResponse[] = [];
    for (const activity of activities) {
      responses.push(await this.sendOne(context, activity));
    }
    return responses;
  }

  private async sendOne(context: TurnContext, activity: Partial<Activity>): Promise<ResourceResponse> {
    const conversationId = activity.conversation?.id ?? context.activity.conversation?.id;
    if (!conversationId) throw new Error('activity without a conversation');
    switch (activity.type) {
      case 'delay':
        await honourDelay(activity);
        return { id: '' };
      case ActivityTypes.Trace:
        // Traces are for the Emulator; a citizen's page never shows them.
        return { id: '' };
      case ActivityTypes.Typing: {
        const typing = { ...this.fromBot(activity), id: randomUUID() };
        await this.log.announce(conversationId, { kind: 'typing', activity: typing });
        return { id: typing.id };
      }
      default: {
        const sent = this.fromBot(activity);
        const { index, activity: stored } = await this.log.append(conversationId, sent);
        const question = questionAsked(activity);
        if (question) await this.log.asked(conversationId, sent, index, question.answer);
        return { id: stored.id ?? '' };
      }
    }
  }

  /** The bot's activity as the page expects it: marked as from the bot, with a timestamp. */
  private fromBot(activity: Partial<Activity>): Partial<Activity> {
    return {
      ...activity,
      from: { id: activity.from?.id ?? 'bot', name: activity.from?.name ?? 'bot', role: 'bot' },
      timestamp: new Date(),
    };
  }

  async continueConversation(reference: Partial<ConversationReference>, logic: (context: TurnContext) => Promise<void>): Promise<void> {
    const conversationId = reference.conversation?.id;
    if (!conversationId || !(await this.log.info(conversationId))) {
      throw new Error('the conversation is over');
    }
    await this.runContinuation(reference, logic);
  }
}
