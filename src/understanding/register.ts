import { containsPhrase, words } from './text';

export type Register = 'tu' | 'usted';

/**
 * Tells how a message addresses the bot: usted («¿me puede ayudar?», «disculpe», «le
 * agradezco»), tú («¿me ayudas?», «dime», «tu»), or neither (a cédula, «sí»). A message with
 * any tú form is tú: only a clear usted counts. The phrases come from locales.
 */
export class RegisterReader {
  /** Each register's phrases as words, split once. */
  private readonly phrases: Record<Register, ReadonlyArray<readonly string[]>>;

  constructor(phrases: Record<Register, readonly string[]>) {
    this.phrases = { tu: phrases.tu.map((p) => words(p)), usted: phrases.usted.map((p) => words(p)) };
  }

  read(text: string): Register | undefined {
    const said = words(text.slice(0, 500));
    if (!said.length) return undefined;
    const has = (register: Register) => this.phrases[register].some((phrase) => containsPhrase(said, phrase));
    if (has('tu')) return 'tu';
    return has('usted') ? 'usted' : undefined;
  }
}
