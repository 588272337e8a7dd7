/**
 * The one scale every reading is weighed on, 0–1: how sure each piece of evidence makes an
 * answer (choices.ts) and where the reading draws its lines (understand.ts). Kept together
 * because they only mean something against each other: a position alone must reach
 * `certain`, an incidental one stay below `plausible`.
 */
export const SCORE = {
  /** A tapped button, a label as written, a bare "2". */
  exact: 1,
  /** A position alone ("2", "la segunda"); inside a sentence; a number word inside a sentence ("una"). */
  positionClear: 0.95,
  positionInSentence: 0.3,
  numberWordInSentence: 0.15,
  /** A year by its last two digits ("el 78"); the full year inside a sentence. */
  shortYear: 0.9,
  yearInSentence: 0.92,
  /** A synonym of several words ("clave patronal", "otro codigo") is specific; one word less so. */
  synonymPhrase: 0.88,
  synonymWord: 0.75,

  /** An answer this sure ends the reading: a tapped button, a bare "2", a valid cédula. */
  certain: 0.9,
  /** Below this an answer is a guess and a request, or "no entendí", is better. */
  plausible: 0.5,
  /** A request this sure beats any answer that is not stronger. */
  clearRequest: 0.8,
  /** Two choices closer than this are asked about instead of guessed. */
  close: 0.1,
  /** Values for other steps; a number of the other flow's kind; "no sé"; a value that is not valid. */
  valuesGiven: 0.85,
  otherKind: 0.9,
  dontKnow: 0.9,
  invalidValue: 0.6,
  /** Any words answer a typed question, so they are plausible but never certain: a clear request wins. */
  typed: 0.7,
} as const;
