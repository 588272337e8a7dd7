import type { Activity, CardAction } from 'botbuilder';

/** Twilio refuses WhatsApp bodies longer than this. */
export const WHATSAPP_MAX_CHARS = 1600;

const HERO_CARD = 'application/vnd.microsoft.card.hero';

/** Stars that hide part of a number ("*******103") or of an email typed that way; WhatsApp would read them as bold. */
const MASK_RUN = /(?<=[\w@.])\*{3,}|\*{3,}(?=[\w@.])/g;

/**
 * Markdown as the dialogs write it → WhatsApp formatting: **bold** → *bold*, ~~x~~ → ~x~,
 * headings in bold, [text](url) → text (url), or «text:» and the address on its own line when the link
 * stands alone on its line. Masking stars become dots, and bold whose
 * text holds a star itself is left plain, as WhatsApp would garble both.
 */
export function toWhatsAppMarkdown(text: string): string {
  return (
    text
      .replace(/(?<![*\w])\*\*(?=[^\s*])([\s\S]*?[^\s*])\*\*(?!\*)/g, (_m, inner: string) => (inner.includes('*') ? inner : `*${inner}*`))
      .replace(/(?<![_\w])__(?=\S)([\s\S]*?\S)__(?![_\w])/g, '_$1_')
      .replace(/~~(?=\S)([\s\S]*?\S)~~/g, '~$1~')
      .replace(/^#{1,6}[ \t]+(.+?)[ \t]*#*$/gm, '*$1*')
      // A link alone on its line keeps its address alone on a line too: WhatsApp makes that tappable.
      .replace(/^\[([^\]\n]+)\]\((\S+?)\)$/gm, (_m, label: string, url: string) => (label === url ? url : `${label}:\n${url}`))
      .replace(/\[([^\]\n]+)\]\((\S+?)\)/g, (_m, label: string, url: string) => (label === url ? url : `${label} (${url})`))
      .replace(MASK_RUN, (stars) => '•'.repeat(stars.length))
  );
}

/** Buttons become a numbered list; the dialogs accept "1", "uno" and the option's words. */
export function numberedList(actions: Partial<CardAction>[]): string {
  return actions
    .map((a) => a.title || (typeof a.value === 'string' ? a.value : ''))
    .filter(Boolean)
    .map((title, i) => `${i + 1}. ${title}`)
    .join('\n');
}

interface HeroCard {
  title?: string;
  subtitle?: string;
  text?: string;
  buttons?: Partial<CardAction>[];
}

/** What a person reads on WhatsApp for one bot message: text, hero cards and choices. */
export function renderActivityText(activity: Partial<Activity>): string {
  const parts: string[] = [];
  if (activity.text) parts.push(activity.text);
  for (const attachment of activity.attachments ?? []) {
    if (attachment.contentType !== HERO_CARD || !attachment.content) continue;
    const card = attachment.content as HeroCard;
    const head = [card.title ? `**${card.title}**` : '', card.subtitle ?? '', card.text ?? ''].filter(Boolean).join('\n');
    parts.push([head, numberedList(card.buttons ?? [])].filter(Boolean).join('\n\n'));
  }
  const actions = activity.suggestedActions?.actions ?? [];
  if (actions.length) parts.push(numberedList(actions));
  return toWhatsAppMarkdown(parts.filter(Boolean).join('\n\n')).trim();
}

/**
 * Splits long text into messages of at most `max` characters, cutting at the last
 * paragraph break that fits, else a line break, else a sentence end, else a space.
 */
export function splitMessage(text: string, max = WHATSAPP_MAX_CHARS): string[] {
  const pieces: string[] = [];
  let rest = text.trim();
  // Each round removes at least one character, so the loop ends.
  while (rest.length > max) {
    const cut = cutPoint(rest, max);
    const piece = rest.slice(0, cut).trim();
    if (piece) pieces.push(piece);
    rest = rest.slice(cut).trim();
  }
  if (rest) pieces.push(rest);
  return pieces;
}

function cutPoint(text: string, max: number): number {
  const window = text.slice(0, max + 1);
  const lastMatch = (pattern: RegExp) => {
    let at = -1;
    for (const m of window.matchAll(pattern)) if (m.index + m[0].length <= max) at = m.index + m[0].length;
    return at;
  };
  const minUseful = Math.floor(max / 4);
  for (const pattern of [/\n\s*\n/g, /\n/g, /[.!?…](?:["»”)]*)\s/g, /\s/g]) {
    const at = lastMatch(pattern);
    if (at >= minUseful) return at;
  }
  // One long word: cut at the limit, never inside a surrogate pair (an emoji).
  const code = text.charCodeAt(max - 1);
  return code >= 0xd800 && code <= 0xdbff ? max - 1 : max;
}
