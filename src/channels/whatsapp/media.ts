import type { FormParams, InboundMessage } from './webhook';

/** Twilio's address of one medium: …/Messages/MM…/Media/ME… */
const MEDIA_URL = /\/Messages\/[A-Z]{2}[0-9a-f]{32}\/Media\/(ME[0-9a-f]{32})(?:\.\w+)?$/;

/** The SIDs of the media a message carries (MediaUrl0…), to delete them at Twilio. */
export function mediaSidsOf(params: FormParams, count: number): string[] {
  const sids: string[] = [];
  for (let i = 0; i < Math.min(count, 10); i++) {
    const url = params[`MediaUrl${i}`];
    const sid = typeof url === 'string' ? MEDIA_URL.exec(url)?.[1] : undefined;
    if (sid) sids.push(sid);
  }
  return sids;
}

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
    default:
      // No type, or one not listed: the media's content type decides.
      break;
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
