import { type Activity, ActivityTypes, type ConversationReference, type ResourceResponse, type TurnContext } from 'botbuilder';
import { randomUUID } from 'node:crypto';
import { ChannelAdapter } from './channelAdapter';

/** The text a person reads for one bot activity, with suggested actions as a numbered list. */
export function readableText(activity: Partial<Activity>): string {
  const actions = activity.suggestedActions?.actions ?? [];
  const list = actions.map((a, i) => `${i + 1}. ${a.title}`).join('\n');
  return [activity.text ?? '', list].filter(Boolean).join('\n\n');
}

/**
 * A channel inside the process: the terminal chat (`npm run chat`) and the conversation
 * tests use it. Replies go to `onReply`; messages sent later arrive the same way.
 */
export class InProcessAdapter extends ChannelAdapter {
  readonly channelIds: readonly string[];

  constructor(
    readonly channelId: string,
    private readonly onReply: (activity: Partial<Activity>, conversationId: string) => void,
  ) {
    super();
    this.channelIds = [channelId];
  }

  async sendActivities(context: TurnContext, activities: Partial<Activity>[]): Promise<ResourceResponse[]> {
    return activities.map((activity) => {
      if (activity.type === ActivityTypes.Message) this.onReply(activity, context.activity.conversation.id);
      return { id: randomUUID() };
    });
  }

  async continueConversation(reference: Partial<ConversationReference>, logic: (context: TurnContext) => Promise<void>): Promise<void> {
    await this.runContinuation(reference, logic);
  }

  /** The person opens the chat: the bot greets first. */
  async join(conversationId: string, logic: (context: TurnContext) => Promise<void>, locale = 'es-EC'): Promise<void> {
    await this.receiveActivity(
      {
        ...this.activity(conversationId, locale),
        type: ActivityTypes.ConversationUpdate,
        membersAdded: [{ id: `user-${conversationId}`, name: 'user' }],
      },
      logic,
    );
  }

  private activity(conversationId: string, locale: string): Partial<Activity> {
    return {
      id: randomUUID(),
      locale,
      channelId: this.channelId,
      serviceUrl: 'inprocess://',
      timestamp: new Date(),
      conversation: { id: conversationId, isGroup: false, conversationType: 'personal', name: '' },
      from: { id: `user-${conversationId}`, name: 'user' },
      recipient: { id: 'bot', name: 'bot' },
    };
  }

  /** Runs one user message through `logic` (the bot). */
  async receive(conversationId: string, text: string, logic: (context: TurnContext) => Promise<void>, locale = 'es-EC'): Promise<void> {
    await this.receiveActivity({ ...this.activity(conversationId, locale), type: ActivityTypes.Message, text }, logic);
  }
}
