import { containsPhrase, words } from './text';

export type Register = 'tu' | 'usted';

/**
 * Tells how a message addresses the bot: usted («¿me puede ayudar?», «disculpe», «le
 * agradezco»), tú («¿me ayudas?», «dime», «tu»), or neither (a cédula, «sí»). A message with
 * any tú form is tú: only a clear usted counts. The phrases come from locales.
 */
export class RegisterReader {
  /** Each register's phrases as words, by their first word: a message is looked up word by word. */
  private readonly phrases: Record<Register, ReadonlyMap<string, ReadonlyArray<readonly string[]>>>;

  constructor(phrases: Record<Register, readonly string[]>) {
    this.phrases = { tu: byFirstWord(phrases.tu), usted: byFirstWord(phrases.usted) };
  }

  read(text: string): Register | undefined {
    const said = words(text.slice(0, 500));
    const has = (register: Register) =>
      said.some((word, i) => this.phrases[register].get(word)?.some((phrase) => containsPhrase(said.slice(i, i + phrase.length), phrase)));
    if (has('tu')) return 'tu';
    return has('usted') ? 'usted' : undefined;
  }
}

function byFirstWord(phrases: readonly string[]): Map<string, Array<readonly string[]>> {
  const index = new Map<string, Array<readonly string[]>>();
  for (const phrase of phrases.map((p) => words(p)).filter((p) => p.length > 0)) {
    const list = index.get(phrase[0]) ?? [];
    list.push(phrase);
    index.set(phrase[0], list);
  }
  return index;
}
