import { type Activity, ActivityTypes, BotAdapter, type ConversationReference, TurnContext } from 'botbuilder';
import { randomUUID } from 'node:crypto';
import type { ChannelGateway } from './types';

/** A bot's `delay` activity pauses its replies; bounded so no turn hangs on it. */
const MAX_DELAY_MS = 3_000;

export type BotLogic = (context: TurnContext) => Promise<void>;

/**
 * What our own channels (web chat, WhatsApp, the terminal) share: messages cannot be edited
 * or deleted, and a message sent later runs as an event turn addressed to the conversation.
 */
export abstract class ChannelAdapter extends BotAdapter implements ChannelGateway {
  abstract readonly channelIds: readonly string[];

  abstract continueConversation(reference: Partial<ConversationReference>, logic: BotLogic): Promise<void>;

  async updateActivity(): Promise<void> {
    throw new Error('messages cannot be edited on this channel');
  }

  async deleteActivity(): Promise<void> {
    throw new Error('messages cannot be deleted on this channel');
  }

  /** Runs `logic` (the bot) for one activity that arrived on the channel. */
  receiveActivity(activity: Partial<Activity>, logic: BotLogic): Promise<void> {
    return this.runMiddleware(new TurnContext(this, activity), logic);
  }

  /** Runs `logic` in a turn addressed to `reference`; `prepare` may mark the turn first. */
  protected runContinuation(
    reference: Partial<ConversationReference>,
    logic: BotLogic,
    prepare?: (context: TurnContext) => void,
  ): Promise<void> {
    const activity = TurnContext.applyConversationReference(
      { type: ActivityTypes.Event, name: 'continueConversation', id: randomUUID() },
      reference,
      true,
    );
    const context = new TurnContext(this, activity);
    prepare?.(context);
    return this.runMiddleware(context, logic);
  }
}

/** Waits as long as a `delay` activity asks, within the bound. */
export async function honourDelay(activity: Partial<Activity>): Promise<void> {
  const ms = typeof activity.value === 'number' ? Math.min(Math.max(activity.value, 0), MAX_DELAY_MS) : 0;
  await new Promise((resolve) => setTimeout(resolve, ms));
}
