import type { ConversationState, StatePropertyAccessor, TurnContext } from 'botbuilder';
import { setTurnLocale, turnLocale } from '../../dialogs/turnLocale';
import { type Locale, pickLocale } from '../i18n';
import type { LanguageGuesser } from '../understanding/language';

/**
 * The conversation's language: the channel's locale at first, then whichever language the
 * person clearly writes in, on every channel. Resolved once at the start of each turn.
 */
export class ConversationLanguage {
  private readonly accessor: StatePropertyAccessor<Locale | undefined>;

  constructor(
    state: ConversationState,
    private readonly guesser: LanguageGuesser,
    private readonly fallback: Locale,
  ) {
    this.accessor = state.createProperty('language');
  }

  /** Sets the turn's locale from the conversation (state must be loaded). */
  async resolve(context: TurnContext): Promise<Locale> {
    const chosen = (await this.accessor.get(context)) ?? pickLocale(context.activity.locale, this.fallback);
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
    const asked = this.guesser.requested(text);
    const guessed = asked ?? this.guesser.guess(text, ignore);
    if (!guessed || guessed === turnLocale(context, this.fallback)) return undefined;
    await this.accessor.set(context, guessed);
    setTurnLocale(context, guessed);
    return { locale: guessed, onlyAsked: asked !== undefined };
  }
}
