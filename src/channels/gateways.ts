import type { ConversationReference, TurnContext } from 'botbuilder';
import type { ChannelGateway } from './types';

/** Finds the channel that owns a conversation, to send it a message later. */
export class Gateways {
  private readonly byChannel = new Map<string, ChannelGateway>();
  private readonly all = new Set<ChannelGateway>();
  private fallback?: ChannelGateway;

  register(gateway: ChannelGateway): void {
    this.all.add(gateway);
    for (const id of gateway.channelIds) {
      if (id === '*') this.fallback = gateway;
      else this.byChannel.set(id, gateway);
    }
  }

  /** True when one of our own channels (not the Bot Framework fallback) serves `channelId`, in any letter case. */
  owns(channelId: string): boolean {
    const wanted = channelId.toLowerCase();
    return [...this.byChannel.keys()].some((id) => id.toLowerCase() === wanted);
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
    await Promise.all([...this.all].map(async (gateway) => gateway.drain?.(timeoutMs)));
  }
}
