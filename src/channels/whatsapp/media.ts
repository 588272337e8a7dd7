import type { InboundMessage } from './webhook';

export type MediaKind = 'audio' | 'image' | 'video' | 'document' | 'sticker' | 'location' | 'contact' | 'other';

/**
 * What a non-text message holds. Twilio's MessageType names it when present; otherwise the
 * first media's content type does (WhatsApp stickers arrive as image/webp).
 */
export function mediaKindOf(message: InboundMessage): MediaKind | undefined {
  const type = message.MessageType?.toLowerCase();
  if (message.Latitude || message.Longitude || type === 'location') return 'location';
  switch (type) {
    case 'audio':
    case 'image':
    case 'video':
    case 'document':
    case 'sticker':
      return type;
    case 'contacts':
      return 'contact';
  }
  if (message.NumMedia === 0) return undefined;
  const contentType = (message.MediaContentType0 ?? '').toLowerCase();
  if (contentType === 'image/webp') return 'sticker';
  if (contentType.startsWith('audio/')) return 'audio';
  if (contentType.startsWith('image/')) return 'image';
  if (contentType.startsWith('video/')) return 'video';
  if (contentType.includes('vcard')) return 'contact';
  if (contentType.startsWith('application/') || contentType.startsWith('text/')) return 'document';
  return 'other';
}
