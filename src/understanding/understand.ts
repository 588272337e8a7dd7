import type { Locale } from '../i18n';
import type { DayMonth } from '../recovery/types';
import { looksLikeKey, parseCode } from '../recovery/textChecks';
import { actionOf, type FlowId } from './actions';
import { type Choice, type PositionWords, exactChoice, openingChoice, scoreChoices } from './choices';
import { findDate } from './dates';
import { findNumbers } from './numbers';
import { SCORE } from './scores';
import { containsPhrase, words } from './text';

/** What a step expects; every step of every flow says it in these terms. */
export type Expectation =
  | { kind: 'cedula' }
  | { kind: 'ruc' }
  | { kind: 'dayMonth' }
  /**
   * One of these; `dontKnow` lets "ninguna", "no me acuerdo" be an answer of its own;
   * `unseen`: the options were not shown yet, so a number or "la primera" names none of them;
   * `answerFirst`: a yes/no confirmation, where the option said first is the answer, whatever
   * follows ("no, mejor sigamos" to «¿Seguro que quieres dejar…?»).
   */
  | { kind: 'choice'; choices: Choice[]; dontKnow?: boolean; unseen?: boolean; answerFirst?: boolean }
  /** A 6-digit code, or one of these actions (resend, not received). */
  | { kind: 'code'; choices: Choice[] }
  /**
   * Words the person types as they are (a personal question: "¿En qué ciudad naciste?"): the
   * message is the answer unless it is clearly a request, "no sé" (with `dontKnow`) or a key.
   */
  | { kind: 'text'; dontKnow?: boolean };

export type CodeAnswer = { code: string } | { choice: string };
export interface AnswerOf {
  cedula: string;
  ruc: string;
  dayMonth: DayMonth;
  choice: string;
  code: CodeAnswer;
  text: string;
}
export type ExpectationKind = Expectation['kind'];

/** Values a message holds that some step asks for, whichever step is asking. */
export interface Given {
  cedula?: string;
  ruc?: string;
  birth?: DayMonth;
}

/** What a message means at a step, after the evidence is weighed. */
export type Reading<K extends ExpectationKind = ExpectationKind> =
  | { kind: 'answer'; value: AnswerOf[K]; given: Given }
  /** No answer to this step, but values for other steps (given early, or a correction). */
  | { kind: 'given'; given: Given }
  /** A number of the other kind: a RUC at the cédula step, a cédula at the RUC step. */
  | { kind: 'otherFlow'; flow: FlowId; given: Given }
  | { kind: 'intent'; intent: string; score: number }
  /** Two readings too close to choose: ask which one. */
  | { kind: 'clarify'; choices: [Choice, Choice] }
  | { kind: 'dontKnow' }
  /** Something that looks like the person's key: warned about before anything else. */
  | { kind: 'key' }
  /** Not understood; `reason` is a locale key under `reasons:`. */
  | { kind: 'unclear'; reason: string };

export interface IntentGuess {
  intent: string;
  score: number;
}

/** Words from locales that the reading needs, per language. */
export interface Lexicon extends PositionWords {
  /** "ninguna", "no se", "no me acuerdo": none of the options is mine. */
  dontKnow: readonly string[];
  /** "se llama", "naci en": words before a typed answer that are not the answer. */
  typedLeadIns: readonly string[];
}

export interface ReadContext {
  locale: Locale;
  /** Values the flow already holds: the same value again is not news. */
  known?: Given;
}

export interface UnderstandingParts {
  recognize(text: string, locale: Locale): Promise<IntentGuess>;
  lexicon(locale: Locale): Lexicon;
}

interface Candidate {
  reading: Reading;
  score: number;
}

/**
 * The one way a message is understood, at every step: the values it holds (cédulas, RUCs,
 * dates, codes, options by position, word or year), its intent, and what the conversation
 * already holds, each weighed by its evidence.
 */
export class Understanding {
  constructor(private readonly parts: UnderstandingParts) {}

  async read<E extends Expectation>(text: string, expect: E, context: ReadContext): Promise<Reading<E['kind']>> {
    return (await this.weigh(text.trim().slice(0, 1000), expect, context)) as Reading<E['kind']>;
  }

  private async weigh(text: string, expect: Expectation, context: ReadContext): Promise<Reading> {
    if (!text) return { kind: 'unclear', reason: 'empty' };
    if (looksLikeKey(text)) return { kind: 'key' };
    // An option answered as written (a tapped button) needs nothing else read.
    const tapped = 'choices' in expect ? exactChoice(text, expect.choices) : undefined;
    if (tapped) return { kind: 'answer', value: expect.kind === 'code' ? { choice: tapped.value } : tapped.value, given: {} };
    const first = expect.kind === 'choice' && expect.answerFirst ? openingChoice(text, expect.choices) : undefined;
    if (first) return { kind: 'answer', value: first.value, given: {} };

    const found = findNumbers(text);
    const date = findDate(text);
    const given: Given = {};
    if (found.cedulas.length) given.cedula = found.cedulas.at(-1);
    if (found.rucs.length) given.ruc = found.rucs.at(-1);
    if (date?.ok) given.birth = date.value;

    const candidates: Candidate[] = [];
    const add = (reading: Reading, score: number) => candidates.push({ reading, score });
    const lexicon = this.parts.lexicon(context.locale);
    let choiceScores: ReturnType<typeof scoreChoices> = [];

    switch (expect.kind) {
      case 'cedula':
        if (given.cedula) add({ kind: 'answer', value: given.cedula, given }, 1);
        else if (given.ruc && given.ruc !== context.known?.ruc) add({ kind: 'otherFlow', flow: 'employer', given }, SCORE.otherKind);
        else if (found.invalid) add({ kind: 'unclear', reason: `cedula_${found.invalid.cedula}` }, SCORE.invalidValue);
        // "no sé", "no me acuerdo": where to find it, not an answer about something else.
        else if (mentions(text, lexicon.dontKnow)) add({ kind: 'unclear', reason: 'cedula_unknown' }, SCORE.invalidValue);
        break;
      case 'ruc':
        if (given.ruc) add({ kind: 'answer', value: given.ruc, given }, 1);
        else if (given.cedula && given.cedula !== context.known?.cedula) add({ kind: 'otherFlow', flow: 'person', given }, SCORE.otherKind);
        else if (found.invalid) add({ kind: 'unclear', reason: `ruc_${found.invalid.ruc}` }, SCORE.invalidValue);
        else if (mentions(text, lexicon.dontKnow)) add({ kind: 'unclear', reason: 'ruc_unknown' }, SCORE.invalidValue);
        break;
      case 'dayMonth':
        if (date?.ok) add({ kind: 'answer', value: date.value, given }, 1);
        else if (date) add({ kind: 'unclear', reason: 'birth_invalid_date' }, SCORE.invalidValue);
        break;
      case 'code': {
        const code = parseCode(text);
        if (code) return { kind: 'answer', value: { code }, given };
        choiceScores = scoreChoices(text, expect.choices, lexicon);
        for (const { choice, score } of choiceScores) add({ kind: 'answer', value: { choice: choice.value }, given }, score);
        break;
      }
      case 'choice':
        choiceScores = scoreChoices(text, expect.choices, lexicon, { positions: !expect.unseen });
        for (const { choice, score } of choiceScores) add({ kind: 'answer', value: choice.value, given }, score);
        if (expect.dontKnow && mentions(text, lexicon.dontKnow)) add({ kind: 'dontKnow' }, SCORE.dontKnow);
        break;
      case 'text':
        // A name or a city holds no cédula, RUC or date: one that does is meant for another step.
        if (expect.dontKnow && mentions(text, lexicon.dontKnow)) add({ kind: 'dontKnow' }, SCORE.dontKnow);
        else if (!given.cedula && !given.ruc && !given.birth)
          add({ kind: 'answer', value: withoutLeadIn(text, lexicon.typedLeadIns), given: {} }, SCORE.typed);
        break;
    }

    const best = () => candidates.reduce<Candidate | undefined>((a, b) => (!a || b.score > a.score ? b : a), undefined);
    const sure = best();
    if (sure && sure.score >= SCORE.certain && sure.reading.kind !== 'dontKnow') return sure.reading;

    const known = context.known ?? {};
    const news: Given = {};
    if (given.cedula && given.cedula !== known.cedula && expect.kind !== 'cedula') news.cedula = given.cedula;
    if (given.ruc && given.ruc !== known.ruc && expect.kind !== 'ruc') news.ruc = given.ruc;
    if (given.birth && !sameDay(given.birth, known.birth) && expect.kind !== 'dayMonth') news.birth = given.birth;
    if (Object.keys(news).length && !candidates.some((c) => c.reading.kind === 'answer' && c.score >= SCORE.plausible))
      add({ kind: 'given', given: news }, SCORE.valuesGiven);

    const guess = await this.parts.recognize(text, context.locale);
    const action = guess.intent === 'none' ? undefined : actionOf(guess.intent);
    if (action) {
      const choices = 'choices' in expect ? expect.choices : [];
      const selected = choices.find((c) => c.intents?.includes(guess.intent));
      if (selected) {
        add({ kind: 'answer', value: expect.kind === 'code' ? { choice: selected.value } : selected.value, given }, guess.score);
        choiceScores = [...choiceScores, { choice: selected, score: guess.score }];
      } else if (action.kind === 'reply') {
        if (guess.intent === 'deny' && expect.kind === 'choice' && expect.dontKnow) add({ kind: 'dontKnow' }, guess.score);
      } else {
        const weight = action.kind === 'smalltalk' ? guess.score * 0.5 : guess.score;
        add({ kind: 'intent', intent: guess.intent, score: guess.score }, weight);
      }
    }

    const ranked = [...candidates].sort((a, b) => b.score - a.score);
    // A valid number is checked evidence; the model's score is not. Only a command beats it.
    const numbered = ranked.some((c) => c.reading.kind === 'given' || c.reading.kind === 'otherFlow');
    const request = ranked.find(
      (c) =>
        c.reading.kind === 'intent' &&
        c.score >= SCORE.plausible &&
        (!numbered || (actionOf(c.reading.intent)?.kind === 'command' && c.score >= SCORE.clearRequest)),
    );
    const other = ranked.find((c) => c.reading.kind !== 'intent');
    if (request && (!other || other.score < SCORE.plausible || (request.score >= SCORE.clearRequest && request.score >= other.score)))
      return request.reading;
    if (other && other.score >= SCORE.plausible) {
      const [first, second] = bestPerChoice(choiceScores);
      if (
        other.reading.kind === 'answer' &&
        first &&
        second &&
        second.score >= SCORE.plausible &&
        first.score - second.score < SCORE.close &&
        first.score < SCORE.certain
      )
        // Words pointing at two options at once are incidental ("una pregunta… mi correo"): a request, if any, is what was meant.
        return request ? request.reading : { kind: 'clarify', choices: [first.choice, second.choice] };
      return other.reading;
    }
    // Small talk ("buenas", "gracias") is answered when nothing else was understood.
    const smalltalk = ranked.find((c) => c.reading.kind === 'intent' && c.reading.score >= SCORE.plausible);
    if (smalltalk) return smalltalk.reading;
    if (other?.reading.kind === 'unclear') return other.reading;
    return { kind: 'unclear', reason: unclearReason(expect, text) };
  }
}

/** Why nothing was understood, when nothing more precise is known (a locale key under `reasons:`). */
export function unclearReason(expect: Expectation, text: string): string {
  return expect.kind === 'code' && /\d/.test(text) ? 'code_digits' : UNCLEAR[expect.kind];
}

const UNCLEAR: Record<ExpectationKind, string> = {
  cedula: 'cedula_none',
  ruc: 'ruc_none',
  dayMonth: 'birth_format',
  choice: 'option',
  code: 'code',
  text: 'typed',
};

/** Each choice once, with the best score any evidence gave it, best first. */
function bestPerChoice(scores: { choice: Choice; score: number }[]) {
  const best = new Map<Choice, number>();
  for (const { choice, score } of scores) best.set(choice, Math.max(best.get(choice) ?? 0, score));
  return [...best].map(([choice, score]) => ({ choice, score })).sort((a, b) => b.score - a.score);
}

/**
 * A typed answer without the words people put before it: "mi mama se llama Rosa Elena" is
 * "rosa elena", "naci en Riobamba" is "riobamba" (folded words; the directory folds anyway);
 * without such words the message goes as typed.
 */
function withoutLeadIn(text: string, leadIns: readonly string[]): string {
  const all = words(text);
  let tokens = all;
  for (let removed = true; removed;) {
    removed = false;
    const lead = leadIns.map((phrase) => words(phrase)).filter((phrase) => phrase.length < tokens.length && startsWith(tokens, phrase));
    const longest = lead.reduce<readonly string[]>((a, b) => (b.length > a.length ? b : a), []);
    if (longest.length) {
      tokens = tokens.slice(longest.length);
      removed = true;
    }
  }
  return tokens.length < all.length ? tokens.join(' ') : text;
}

const startsWith = (tokens: readonly string[], phrase: readonly string[]) => phrase.every((word, i) => tokens[i] === word);

function mentions(text: string, phrases: readonly string[]): boolean {
  const tokens = words(text);
  return phrases.some((phrase) => containsPhrase(tokens, words(phrase)));
}

function sameDay(a: DayMonth | undefined, b: DayMonth | undefined): boolean {
  return !!a && !!b && a.day === b.day && a.month === b.month;
}
