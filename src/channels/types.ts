import type { ConversationReference, TurnContext } from 'botbuilder';
import type { Config } from '../config';
import type { Texts } from '../i18n';
import type { Logger } from '../log';
import type { Metrics } from '../metrics';
import type { LimiterStore } from '../recovery/limits';
import type { KeyValueStore } from '../store/keyValue';

/** What a channel needs from the app to deliver turns to the bot. */
/** `C`: the part of the configuration the channel reads (each registrar names its own). */
export interface ChannelDeps<C = Config> {
  config: C;
  store: KeyValueStore;
  log: Logger;
  metrics: Metrics;
  /** Every sentence, with the operator's facts (one catalogue for the whole app). */
  texts: Texts;
  /** Where rate limits count (the app's one limiter store). */
  limits: LimiterStore;
  /** Runs one turn through the bot (serialised per conversation inside). */
  bot: Pick<ConversationTurns, 'run'>;
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
