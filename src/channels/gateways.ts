import type { ConversationReference, TurnContext } from 'botbuilder';
import type { ChannelGateway } from './types';

/** Finds the channel that owns a conversation, to send it a message later. */
export class Gateways {
  private readonly byChannel = new Map<string, ChannelGateway>();
  private readonly fallback?: ChannelGateway;

  /** Every channel of the app; a channel id named twice belongs to the later gateway (a test's own channel). */
  constructor(private readonly all: readonly ChannelGateway[]) {
    for (const gateway of all) {
      for (const id of gateway.channelIds) {
        if (id === '*') this.fallback = gateway;
        else this.byChannel.set(id, gateway);
      }
    }
  }

  continueConversation(reference: Partial<ConversationReference>, logic: (context: TurnContext) => Promise<void>): Promise<void> {
    const gateway = this.byChannel.get(reference.channelId ?? '') ?? this.fallback;
    if (!gateway) return Promise.reject(new Error(`no channel for ${reference.channelId}`));
    return gateway.continueConversation(reference, logic);
  }

  /** When the conversation's channel stops allowing free-form messages (WhatsApp's window); undefined when it has stopped or the channel is not here. */
  windowClosesAt(reference: Partial<ConversationReference>): Promise<number | undefined> {
    return this.byChannel.get(reference.channelId ?? '')?.windowClosesAt?.(reference) ?? Promise.resolve(undefined);
  }

  /** Lets every channel hand over what it accepted before the process stops. */
  async drain(timeoutMs: number): Promise<void> {
    await Promise.all(this.all.map(async (gateway) => gateway.drain?.(timeoutMs)));
  }
}
