import type { TurnContext } from 'botbuilder';
import { type Locale, pickLocale } from '../src/i18n';

const LOCALE = Symbol('turnLocale');

/**
 * The conversation's language for this turn, resolved once by the bot before the dialogs
 * run; it is also written on the activity so that everything downstream (handoff, links) agrees.
 */
export function setTurnLocale(context: TurnContext, locale: Locale): void {
  context.turnState.set(LOCALE, locale);
  context.activity.locale = locale;
}

export function turnLocale(context: TurnContext, fallback: Locale): Locale {
  return context.turnState.get<Locale | undefined>(LOCALE) ?? pickLocale(context.activity.locale, fallback);
}
