import type { TurnContext } from 'botbuilder';

/** What the bot does with a message once the interceptor (human handoff) has seen it. */
export interface Interception {
  /** True when the message was taken care of and the dialogs must not run. */
  handled: boolean;
  /** What the dialogs do next: start over (the person left the queue), or offer the menu (the survey ended). */
  then?: FollowUp;
}

/** Lets something outside the dialogs take a conversation's messages (human handoff). */
export interface TurnInterceptor {
  intercept(context: TurnContext): Promise<Interception>;
}

/** Keeps what is said in a conversation (redacted) for the agent who may take it over. */
export interface TurnRecorder {
  /** Called at the start of every turn, before anything is sent. */
  attach(context: TurnContext): Promise<void>;
}

/**
 * What the dialogs do after a message from outside them: forget where they were (the next
 * message starts at the menu: 'restart'), greet again now ('greetAgain'), or offer the menu
 * without reading the message that came ('offerMenu': a survey comment is no request).
 */
export type FollowUp = 'restart' | 'greetAgain' | 'offerMenu' | undefined;

/** Runs `logic` in a conversation later (an agent's reply, the key changed), inside its turn order. */
export type ContinueConversation = (
  reference: Partial<import('botbuilder').ConversationReference>,
  logic: (context: TurnContext) => Promise<FollowUp | void>,
) => Promise<void>;
