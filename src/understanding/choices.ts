import { distance } from 'fastest-levenshtein';
import { eng, spa } from 'stopword';
import { withNumberWords } from './numberWords';
import { SCORE } from './scores';
import { affirmsPhrase, containsPhrase, fold, phraseAt, words } from './text';

/** One answer a step offers: `value` is what the flow receives, `label` what the person reads. */
export interface Choice {
  value: string;
  label: string;
  /** Other words that select it ("patronal", "empleador"). */
  synonyms?: readonly string[];
  /** Intents that select it (the menu's "person" is what `recover_key` asks for). */
  intents?: readonly string[];
}

/** How a language names positions: from locales (`common:numberWords`, `common:ordinals`, …). */
export interface PositionWords {
  /** "uno", "dos"…: index 0 is the first option. */
  numbers: readonly string[];
  /** "primera|primero|primer", …: index 0 is the first option. */
  ordinals: readonly string[];
  /** "ultima|ultimo". */
  last: readonly string[];
  /** Words around a position that add nothing: "la", "opcion", "numero", "creo". */
  fillers: readonly string[];
}

export interface ChoiceScore {
  choice: Choice;
  /** 0–1: 1 is a tapped button or a bare "2"; ~0.3 an incidental "una" inside a sentence. */
  score: number;
}

/** Words every option shares or that carry no meaning never tell options apart. */
const STOPWORDS = new Set([...spa, ...eng].map(fold));

const sameWords = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((word, i) => word === b[i]);

/** One typed word against one word of a label: equal, a slip, or the start of a long word. */
function wordMatches(typed: string, label: string): boolean {
  if (typed === label) return true;
  if (typed.length >= 5 && label.startsWith(typed)) return true;
  if (typed.length >= 5 && label.length >= 5) return distance(typed, label) <= (label.length >= 8 ? 2 : 1);
  return false;
}

interface FoldedPositions {
  fillers: Set<string>;
  numbers: string[];
  ordinals: string[][];
  last: Set<string>;
}

/** The locale's position words, folded once per lexicon rather than on every message. */
const foldedPositions = new WeakMap<PositionWords, FoldedPositions>();
function folded(positions: PositionWords): FoldedPositions {
  let result = foldedPositions.get(positions);
  if (!result) {
    result = {
      fillers: new Set(positions.fillers.map(fold)),
      numbers: positions.numbers.map(fold),
      ordinals: positions.ordinals.map((entry) => entry.split('|').map(fold)),
      last: new Set(positions.last.map(fold)),
    };
    foldedPositions.set(positions, result);
  }
  return result;
}

/** The option a position names ("2", "dos", "la segunda", "la ultima"), and whether the message is only that. */
function byPosition(tokens: string[], count: number, positions: PositionWords): { index: number; score: number } | undefined {
  const { fillers, numbers, ordinals, last } = folded(positions);
  let meaningful = tokens.filter((t) => !fillers.has(t));
  // "one" alone is a number even where "the first one" makes it a filler.
  if (!meaningful.length) meaningful = tokens.filter((t) => numbers.includes(t));
  const alone = meaningful.length === 1;
  for (const token of meaningful) {
    let index = -1;
    let weak: number = SCORE.positionInSentence;
    if (/^\d{1,2}$/.test(token)) index = Number(token) - 1;
    else if (last.has(token)) index = count - 1;
    else if (ordinals.some((forms) => forms.includes(token))) index = ordinals.findIndex((forms) => forms.includes(token));
    else if (numbers.includes(token)) {
      index = numbers.indexOf(token);
      weak = SCORE.numberWordInSentence;
    }
    if (index >= 0 && index < count) return { index, score: alone ? SCORE.positionClear : weak };
  }
  return undefined;
}

/**
 * Words of each label (and its one-word synonyms) that no other choice has: what tells
 * "Tecnologías Quinde" from "Cacaotera Mirlo", and "reenvie" close enough to "reenviar".
 */
function distinctiveWords(choices: readonly Choice[]): string[][] {
  const per = choices.map((c) => {
    const single = (c.synonyms ?? [])
      .map((s) => words(s))
      .filter((w) => w.length === 1)
      .flat();
    return [...new Set([...words(c.label), ...single].filter((w) => w.length >= 3 && !STOPWORDS.has(w) && !/^\d+$/.test(w)))];
  });
  return per.map((list, i) => list.filter((w) => per.every((other, j) => j === i || !other.includes(w))));
}

/** The choice whose label or synonym the message is, word for word (a tapped button, most answers). */
export function exactChoice(text: string, choices: readonly Choice[]): Choice | undefined {
  const said = words(text);
  if (!said.length) return undefined;
  return choices.find((choice) => sameWords(words(choice.label), said) || choice.synonyms?.some((p) => sameWords(words(p), said)));
}

/**
 * The choice the message opens with: a synonym of several words it starts with ("no quiero
 * seguir" to «¿Seguro que quieres dejar…?»), else the one its first word is ("no, mejor sigamos").
 */
export function openingChoice(text: string, choices: readonly Choice[]): Choice | undefined {
  const said = words(text);
  let best: { choice: Choice; length: number } | undefined;
  for (const choice of choices)
    for (const synonym of choice.synonyms ?? []) {
      const phrase = words(synonym);
      if (phrase.length > 1 && phrase.length > (best?.length ?? 0) && phraseAt(said, phrase, 0)) best = { choice, length: phrase.length };
    }
  return best?.choice ?? exactChoice(said[0] ?? '', choices);
}

/**
 * Scores every choice against a message: the label or a synonym as written, a position by
 * number, number word or ordinal, a year ("el 78" for 1978, "desde el 2010"), or the
 * distinctive words of a label without accents, with slips and partial names ("tecnologias",
 * "floricola"). A position inside a longer sentence ("hablar con una persona") scores low.
 */
export function scoreChoices(
  text: string,
  choices: Choice[],
  positions: PositionWords,
  { positions: byNumber = true }: { positions?: boolean } = {},
): ChoiceScore[] {
  const exact = exactChoice(text, choices);
  if (exact) return [{ choice: exact, score: SCORE.exact }];
  const tokens = words(text).slice(0, 60);
  const scores = new Map<Choice, number>();
  const raise = (choice: Choice, score: number) => scores.set(choice, Math.max(scores.get(choice) ?? 0, score));

  // Synonyms found in the message, unless negated; one inside a longer one of another choice ("ya" in "ya no") does not count.
  const found = choices.map((choice) => (choice.synonyms ?? []).map((p) => words(p)).filter((p) => affirmsPhrase(tokens, p)));
  found.forEach((contained, i) => {
    const others = found.filter((_, j) => j !== i).flat();
    const kept = contained.filter((p) => !others.some((q) => q.length > p.length && containsPhrase(q, p)));
    if (kept.length) raise(choices[i], Math.max(...kept.map((p) => (p.length > 1 ? SCORE.synonymPhrase : SCORE.synonymWord))));
  });

  const position = byNumber ? byPosition(tokens, choices.length, positions) : undefined;
  if (position) raise(choices[position.index], position.score);

  // Years: the option itself inside a sentence, or its last two digits ("el 78"), in digits or words.
  const years = choices.filter((c) => /^\d{4}$/.test(c.label.trim()));
  const yearTokens = years.length ? withNumberWords(tokens) : [];
  for (const token of yearTokens) {
    const full = years.filter((c) => c.label.trim() === token);
    full.forEach((c) => raise(c, yearTokens.length === 1 ? SCORE.exact : SCORE.yearInSentence));
    if (/^\d{2}$/.test(token) && Number(token) > choices.length) {
      const short = years.filter((c) => c.label.trim().endsWith(token));
      if (short.length === 1) raise(short[0], SCORE.shortYear);
    }
  }

  const distinct = distinctiveWords(choices);
  const content = tokens.filter((t) => !STOPWORDS.has(t) && t.length >= 3);
  choices.forEach((choice, i) => {
    const own = distinct[i];
    if (!own.length || !content.length) return;
    const hits = own.filter((w) => content.some((t) => wordMatches(t, w))).length;
    if (!hits) return;
    const used = content.filter((t) => own.some((w) => wordMatches(t, w))).length;
    const coverage = hits / own.length;
    const focus = used / content.length;
    // Focus weighs most: one label word among many others ("me puede atender…" against
    // «No puedo abrir mi correo») stays a guess; a message that is mostly the label is an answer.
    raise(choice, Math.min(0.9, 0.3 + 0.3 * coverage + 0.35 * focus));
  });

  return [...scores.entries()].map(([choice, score]) => ({ choice, score })).sort((a, b) => b.score - a.score);
}
