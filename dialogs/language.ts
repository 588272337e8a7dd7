import type { ConversationState, StatePropertyAccessor, TurnContext } from 'botbuilder';
import { setTurnLocale, turnLocale } from './turnLocale';
import { type Language, type Locale, inTone, languageOf, pickLocale } from '../src/i18n';
import type { LanguageGuesser } from '../src/understanding/language';
import type { RegisterReader } from '../src/understanding/register';

/** How the person has been writing: messages in usted in a row, and usted once they keep to it. */
interface RegisterState {
  inARow?: number;
  usted?: boolean;
}

/** Messages in usted, with no tú between them, after which the bot says usted for the rest of the conversation. */
export const USTED_AFTER = 2;

/**
 * The conversation's language: the channel's locale at first, then whichever language the
 * person clearly writes in, on every channel. Its Spanish is usted once the person keeps
 * writing in usted (or always, with TONE=usted, in Texts). Both live in the conversation's
 * state, so they survive a restart; resolved once at the start of each turn.
 */
export class ConversationLanguage {
  private readonly accessor: StatePropertyAccessor<Language | undefined>;
  private readonly register: StatePropertyAccessor<RegisterState>;

  constructor(
    state: ConversationState,
    private readonly guesser: LanguageGuesser,
    private readonly fallback: Locale,
    private readonly registerReader: RegisterReader,
  ) {
    this.accessor = state.createProperty('language');
    this.register = state.createProperty('register');
  }

  /** Sets the turn's locale from the conversation and the person's message (state must be loaded). */
  async resolve(context: TurnContext): Promise<Locale> {
    const language = (await this.accessor.get(context)) ?? languageOf(pickLocale(context.activity.locale, this.fallback));
    const usted = await this.followRegister(context);
    const chosen = inTone(language, usted ? 'usted' : undefined);
    setTurnLocale(context, chosen);
    return chosen;
  }

  /**
   * Switches when the message is clearly in the other language, not counting `ignore` (the
   * words of the options on screen). `onlyAsked` is true when the message did nothing but ask
   * for the language ("en español por favor"). The dialogs call it with what they show.
   */
  async follow(context: TurnContext, ignore: Iterable<string> = []): Promise<{ locale: Locale; onlyAsked: boolean } | undefined> {
    const text = context.activity.type === 'message' ? (context.activity.text ?? '') : '';
    if (!text) return undefined;
    const read = this.guesser.read(text, ignore);
    if (!read || read.language === languageOf(turnLocale(context, this.fallback))) return undefined;
    await this.accessor.set(context, read.language);
    const locale = inTone(read.language, (await this.register.get(context))?.usted ? 'usted' : undefined);
    setTurnLocale(context, locale);
    return { locale, onlyAsked: read.asked };
  }

  /** Counts the person's messages in usted; a tú message starts the count again. True once it is usted. */
  private async followRegister(context: TurnContext): Promise<boolean> {
    const register = (await this.register.get(context)) ?? {};
    if (register.usted) return true;
    const text = context.activity.type === 'message' ? context.activity.text : undefined;
    const read = text ? this.registerReader.read(text) : undefined;
    if (!read || (read === 'tu' && !register.inARow)) return false;
    const inARow = read === 'usted' ? (register.inARow ?? 0) + 1 : 0;
    const usted = inARow >= USTED_AFTER;
    await this.register.set(context, usted ? { usted } : { inARow });
    return usted;
  }
}
