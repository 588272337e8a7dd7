import { ActionTypes, type Activity, MessageFactory } from 'botbuilder';
import { recognizeChoices } from 'botbuilder-dialogs';
import type { Texts, Locale } from '../src/i18n';

/** One option of a question: `value` is what the flow receives, `label` what the user reads. */
export interface Option {
  value: string;
  label: string;
  /** Other words that select it ("patronal", "empleador"). */
  synonyms?: readonly string[];
}

/** Channels without buttons get a numbered list the user answers with "1", "uno" or the option's words. */
const LIST_CHANNELS = new Set(['whatsapp', 'console', 'sms']);

export function renderChoices(channelId: string, text: string, options: Option[]): Partial<Activity> {
  if (LIST_CHANNELS.has(channelId)) {
    const list = options.map((o, i) => `${i + 1}. ${o.label}`).join('\n');
    return MessageFactory.text(`${text}\n\n${list}`);
  }
  return MessageFactory.suggestedActions(
    options.map((o) => ({ type: ActionTypes.ImBack, title: o.label, value: o.label })),
    text,
  );
}

/** Lower case, no accents, single spaces, no closing punctuation: how two writings of one label compare. */
const fold = (text: string) =>
  text.normalize('NFD').replace(/\p{Diacritic}/gu, '').toLowerCase().replace(/[.)!¡¿?]+$/g, '').replace(/\s+/g, ' ').trim();

/** The option a message selects by number ("2", "dos", "la segunda"), label or synonym. */
export function matchOption(text: string, options: Option[], locale: Locale, texts: Texts): Option | undefined {
  const clean = text.trim().toLowerCase().replace(/[.)!¡¿?]+$/g, '');
  if (!clean) return undefined;
  const bare = clean.replace(/^(el|la|opci[oó]n|option|number)\s+/, '');
  const position = /^\d{1,2}$/.test(bare) ? Number(bare) - 1 : texts.list(locale, 'common:numberWords').indexOf(bare);
  if (position >= 0 && position < options.length) return options[position];
  // A tapped button sends the label itself: found without the recognizers, whose number
  // models were the largest single cost in the turn (benchmark profile).
  const exact = options.find((o) => [o.label, ...(o.synonyms ?? [])].some((words) => fold(words) === fold(clean)));
  if (exact) return exact;
  // A longer number (a cédula, a code) selects an option only when it is one of its words.
  if (/^\d{3,}$/.test(bare))
    return options.find((o) => [o.label, ...(o.synonyms ?? [])].some((words) => fold(words).split(/[^\p{L}\p{N}]+/u).includes(bare)));
  const found = recognizeChoices(
    clean,
    options.map((o) => ({ value: o.value, synonyms: [o.label, ...(o.synonyms ?? [])] })),
    // Values are internal names (or indexes): only what the user reads may select an option.
    { locale: locale === 'en' ? 'en-us' : 'es-es', allowPartialMatches: true, noValue: true },
  );
  const best = found.sort((a, b) => b.resolution.score - a.resolution.score)[0];
  return best ? options.find((o) => o.value === best.resolution.value) : undefined;
}
