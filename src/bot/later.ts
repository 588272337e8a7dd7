import { type ConversationReference, ConversationState, type TurnContext } from 'botbuilder';
import type { Locale, Texts } from '../i18n';
import type { StateStorage } from '../store';
import type { ContinueConversation, FollowUp } from './ports';

/** The conversation's saved state (dialogs, language, progress, survey) on the configured store. */
export function conversationStateOn(storage: StateStorage): ConversationState {
  return new ConversationState(storage);
}

/** A conversation's reference as kept outside the bot (a new-key link keeps it as JSON), to reach it again. */
export const keptReference = (kept: unknown) => kept as Partial<ConversationReference>;

/**
 * Reaches a conversation later through the channel that owns it, inside its turn order:
 * `channels` finds the channel, `turns` (the bot) keeps the order and saves the state.
 */
export function continueThrough(
  channels: {
    continueConversation(reference: Partial<ConversationReference>, logic: (context: TurnContext) => Promise<void>): Promise<void>;
  },
  turns: () => { continueWith(context: TurnContext, logic: (context: TurnContext) => Promise<FollowUp | void>): Promise<void> },
): ContinueConversation {
  return (reference, logic) => channels.continueConversation(reference, (context) => turns().continueWith(context, logic));
}

/** Says one line from locales to a conversation later (a code email failed, the key changed). */
export function lineTeller(continueConversation: ContinueConversation, texts: Texts) {
  return async (reference: Partial<ConversationReference>, locale: Locale, key: string): Promise<void> => {
    await continueConversation(reference, async (context) => {
      await context.sendActivity(texts.t(locale, key));
    });
  };
}
