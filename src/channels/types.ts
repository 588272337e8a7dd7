import type { ConversationReference, TurnContext } from 'botbuilder';
import type restify from 'restify';
import type { Texts } from '../i18n';
import type { Logger } from '../log';
import type { Metrics } from '../metrics';
import type { LimiterStore } from '../recovery/limits';
import type { KeyValueStore } from '../store/keyValue';

/** What a channel is built from; `C` is the part of the configuration it reads (each channel names its own). */
export interface ChannelDeps<C> {
  config: C;
  store: KeyValueStore;
  log: Logger;
  metrics: Metrics;
  /** Every sentence, with the operator's facts (one catalogue for the whole app). */
  texts: Texts;
  /** Where rate limits count (the app's one limiter store). */
  limits: LimiterStore;
}

/**
 * A channel, built in two steps: its gateway first (it sends to the channel's conversations
 * and needs no bot), then `listen` serves its routes, each turn run by `bot`.
 */
export interface Channel<Turns = Pick<ConversationTurns, 'run'>> {
  readonly gateway: ChannelGateway;
  listen(server: restify.Server, bot: Turns): void;
}

/** The bot as a channel sees it: turns, one at a time per conversation (the one serialisation point). */
export interface ConversationTurns {
  /** Runs one turn, in the conversation's turn order. */
  run(context: TurnContext): Promise<void>;
  /**
   * Holds the conversation's turn order while `work` runs, for a channel that reads its own
   * store before the turn (WhatsApp: dedupe, a voice note waiting for its "sí"); `work` runs its
   * turns with `turn`. Rejects without running `work` when the order cannot be had.
   */
  inOrder(channelId: string, conversationId: string, work: (turn: (context: TurnContext) => Promise<void>) => Promise<void>): Promise<void>;
}

/** Lets the app send messages later (key changed, agent replies) through the right channel. */
export interface ChannelGateway {
  readonly channelIds: readonly string[];
  continueConversation(reference: Partial<ConversationReference>, logic: (context: TurnContext) => Promise<void>): Promise<void>;
  /** A channel that may write only for a while after the person's last message (WhatsApp): when that ends, undefined if it has. */
  windowClosesAt?(reference: Partial<ConversationReference>): Promise<number | undefined>;
  /** Waits (bounded) for messages the channel accepted but has not yet handed to the bot. */
  drain?(timeoutMs: number): Promise<boolean>;
}
