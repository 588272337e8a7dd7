import type { Locale, Texts } from '../i18n';
import type { TicketStore } from './tickets';

/**
 * A message a channel could not deliver (WhatsApp): the person's open ticket, if any, gets a
 * line the agent reads. Built from the tickets alone, so a channel can hold it before the
 * handoff, which sends through the channels, exists.
 */
export function deliveryFailureNotes(tickets: TicketStore, texts: Texts, locale: Locale, now: () => number = Date.now) {
  return async (channelId: string, conversationId: string, errorCode: string): Promise<void> => {
    const ticket = await tickets.openForConversation(channelId, conversationId);
    if (!ticket) return;
    const text = texts.t(locale, 'handoff:deliveryFailed', { code: errorCode || '—' });
    const entry = await tickets.record(ticket.conversationKey, { at: now(), from: 'system', text });
    await tickets.publish({ type: 'entry', ticketId: ticket.id, entry });
  };
}
