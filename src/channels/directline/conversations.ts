import type { Activity, ChannelAccount } from 'botbuilder';
import { randomBytes, randomUUID } from 'node:crypto';
import type { ConversationLog } from './conversationLog';
import type { TokenService } from './tokens';

/** The bot as the page sees it. */
export const BOT_ACCOUNT: ChannelAccount = { id: 'iess-asistente', name: 'Asistente IESS', role: 'bot' };

export interface OpenedConversation {
  conversationId: string;
  userId: string;
  token: string;
  expiresIn: number;
}

/** Random, URL-safe ids; a user id starting with dl_ is, by Direct Line convention, set by the server. */
const newConversationId = () => randomBytes(16).toString('base64url');
const newUserId = () => `dl_${randomBytes(12).toString('base64url')}`;

export const CONVERSATION_ID = /^[A-Za-z0-9_-]{1,100}$/;

/** Creates a conversation for one new user and the token bound to both. */
export async function openConversation(
  log: ConversationLog,
  tokens: TokenService,
  locale: string | undefined,
): Promise<OpenedConversation> {
  const conversationId = newConversationId();
  const userId = newUserId();
  await log.create(conversationId, { userId, locale });
  const { token, expiresIn } = await tokens.issue(conversationId, userId);
  return { conversationId, userId, token, expiresIn };
}

/** The "user joined" update the bot greets on, sent once when the page starts the conversation. */
export function joinedActivity(conversationId: string, userId: string, locale: string, serviceUrl: string): Partial<Activity> {
  return {
    type: 'conversationUpdate',
    id: randomUUID(),
    channelId: 'directline',
    serviceUrl,
    timestamp: new Date(),
    locale,
    conversation: { id: conversationId, isGroup: false, conversationType: 'personal', name: '' },
    from: { id: userId, name: '', role: 'user' },
    recipient: BOT_ACCOUNT,
    membersAdded: [{ id: userId, name: '' }],
  };
}
