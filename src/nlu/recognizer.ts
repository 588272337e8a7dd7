import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { Nlp } from '@nlpjs/nlp';
import { LangEs } from '@nlpjs/lang-es';
import { LangEn } from '@nlpjs/lang-en-min';
import { LOCALES_DIR } from '../paths';
import { INTENTS, isIntent, type Intent } from './intents';
import { NgramModel } from './ngramModel';

export type NluLocale = 'es-EC' | 'en';
export interface Recognition {
  intent: Intent;
  score: number;
  /** Every intent with its combined score, best first (for a caller that weighs close readings). */
  ranking: { intent: Intent; score: number }[];
}

/** Which language a message is written in, and how sure the guess is (0.5 is a coin toss). */
export interface LanguageGuess {
  locale: NluLocale;
  score: number;
}

const DEFAULT_LOCALES_DIR = LOCALES_DIR;

/** nlp.js speaks in languages, the assistant in locales. */
const LANGUAGE: Record<NluLocale, string> = { 'es-EC': 'es', en: 'en' };

/**
 * Below this the combined score is a guess and the text is `none`; tuned on
 * test/nlu/heldout.*.json (0.35–0.45 is within a sentence or two; 0.4 keeps out the most guesses).
 */
export const SCORE_THRESHOLD = 0.4;

/**
 * Share of the character n-gram model in the combined score; nlp.js has the rest. The n-grams
 * are more right on typos and missing accents, nlp.js on words it knows by their stem.
 */
const NGRAM_WEIGHT = 0.7;

/** Languages of messages with fewer letters than this are not guessed ("ok", "no", "si"). */
const MIN_LETTERS_FOR_LANGUAGE = 8;

/** Longest text handed to the model; a chat message past this is not a short request. */
const MAX_TEXT_LENGTH = 300;
/** Recent recognitions kept: people write the same short things ("si", "hola", "no me llego"). */
const RECENT_RECOGNITIONS = 1_000;
/** What a whole message may read as while a clause of it asks for something. */
const COURTESY = new Set<Intent>(['none', 'greeting', 'thanks']);
/** Clauses read one by one, at most (a message is 300 characters at most anyway). */
const MAX_CLAUSES = 6;

const intentsFileSchema = z.record(z.string(), z.array(z.string().min(1)).min(1));

/** nlp.js reports through console by default; the assistant keeps its logs for pino. */
const silentLogger = {
  name: 'logger',
  debug() {},
  info() {},
  warn() {},
  error() {},
  log() {},
  trace() {},
  fatal() {},
};

/** Reads and checks locales/<locale>/intents.json: every key a known intent, every intent present. */
export function readIntentExamples(localesDir: string, locale: NluLocale): Record<Intent, string[]> {
  const file = join(localesDir, locale, 'intents.json');
  const parsed = intentsFileSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
  const unknown = Object.keys(parsed).filter((k) => !isIntent(k));
  const missing = INTENTS.filter((i) => !parsed[i]);
  if (unknown.length || missing.length) {
    throw new Error(`${file}: unknown intents [${unknown.join(', ')}], missing [${missing.join(', ')}]`);
  }
  return parsed;
}

/**
 * Text with fewer than two letters, or at least as many digits as letters (cédulas, codes,
 * "5/3", emojis), is data the dialog asked for, never a request: it skips the model.
 */
export function looksLikeData(text: string): boolean {
  const letters = (text.match(/\p{L}/gu) ?? []).length;
  const digits = (text.match(/\p{N}/gu) ?? []).length;
  return letters < 2 || digits >= letters;
}

/**
 * Undoes chat emphasis before the model sees the text: "siiii" → "si", "holaa" → "hola",
 * "ayudaa" → "ayuda". Spanish keeps real doubles inside words (llamar, perro, leer) and "iess" is a word.
 */
export function unstretch(text: string, locale: NluLocale = 'es-EC'): string {
  const once = text.replace(/(\p{L})\1{2,}/gu, '$1').replace(/([aiou])\1(?=\P{L}|$)/gu, '$1');
  // No Spanish word ends in a doubled consonant ("graciass", "buenass"), but "iess" and "biess" do.
  return locale === 'es-EC' ? once.replace(/(?<!ie)([b-df-hj-np-tv-z])\1(?=\P{L}|$)/gu, '$1') : once;
}

export class IntentRecognizer {
  private languages?: NgramModel<NluLocale>;
  /** Keyed by locale and cleaned text; the model never changes after training, so neither do answers. */
  private readonly recent = new Map<string, Recognition>();

  private constructor(
    private readonly nlp: Nlp,
    private readonly ngrams: Record<NluLocale, NgramModel<Intent>>,
    /** Trains the language model; called on the first language() only, so start-up does not pay for it. */
    private readonly trainLanguages: () => NgramModel<NluLocale>,
  ) {}

  /** Trains one model for both locales from the example sentences in locales/. */
  static async train(localesDir: string = DEFAULT_LOCALES_DIR): Promise<IntentRecognizer> {
    const nlp = new Nlp({
      languages: Object.values(LANGUAGE),
      autoLoad: false,
      autoSave: false,
      forceNER: false,
      calculateSentiment: false,
      threshold: 0, // the recognizer applies its own threshold, so it can report the score
      // spellCheck maps a typo to a known word one edit away ("clabe" → "clave").
      nlu: { log: false, spellCheck: true, spellCheckDistance: 1 },
    });
    nlp.container.register('logger', silentLogger, true);
    nlp.use(LangEs);
    nlp.use(LangEn);
    const locales = Object.keys(LANGUAGE) as NluLocale[];
    const examples = Object.fromEntries(locales.map((l) => [l, readIntentExamples(localesDir, l)])) as Record<
      NluLocale,
      Record<Intent, string[]>
    >;
    const ngrams = {} as Record<NluLocale, NgramModel<Intent>>;
    for (const locale of locales) {
      const rows = INTENTS.flatMap((intent) =>
        examples[locale][intent].map((text) => ({ text: unstretch(text.toLowerCase(), locale), label: intent })),
      );
      for (const { text, label } of rows) nlp.addDocument(LANGUAGE[locale], text, label);
      ngrams[locale] = NgramModel.train(rows, INTENTS);
    }
    // The same sentences, labelled by language; `none` examples (names, dates) say little of it.
    const trainLanguages = () =>
      NgramModel.train(
        locales.flatMap((locale) =>
          INTENTS.filter((i) => i !== 'none').flatMap((intent) => examples[locale][intent].map((text) => ({ text, label: locale }))),
        ),
        locales,
      );
    await nlp.train();
    return new IntentRecognizer(nlp, ngrams, trainLanguages);
  }

  /**
   * The most likely intent, or `none` when the text is data (score 1) or its combined score
   * is below SCORE_THRESHOLD (that low score, so a caller can see how unsure the guess was).
   */
  async recognize(text: string, locale: NluLocale): Promise<Recognition> {
    const known: NluLocale = locale === 'en' ? 'en' : 'es-EC';
    const clean = unstretch(
      String(text ?? '')
        .trim()
        .toLowerCase()
        .slice(0, MAX_TEXT_LENGTH),
      known,
    );
    if (looksLikeData(clean)) {
      const ranking = ['none' as const, ...INTENTS.filter((i) => i !== 'none')].map((intent) => ({
        intent,
        score: intent === 'none' ? 1 : 0,
      }));
      return { intent: 'none', score: 1, ranking };
    }
    const key = `${known}\n${clean}`;
    const remembered = this.recent.get(key);
    if (remembered) return remembered;
    const recognition = await this.byClause(clean, known);
    if (this.recent.size >= RECENT_RECOGNITIONS) this.recent.clear();
    this.recent.set(key, recognition);
    return recognition;
  }

  /**
   * A request after courtesies ("buenos días, Dios le pague, ¿me puede atender una señorita?")
   * is diluted by them as a whole: when the whole reads as nothing or a courtesy, each clause
   * is read too, and the clearest request among them is the message's.
   */
  private async byClause(clean: string, known: NluLocale): Promise<Recognition> {
    const whole = await this.classify(clean, known);
    if (!COURTESY.has(whole.intent)) return whole;
    const clauses = clean.split(/[,.;:!?¡¿]+/).filter((clause) => (clause.match(/\p{L}+/gu) ?? []).length >= 2);
    if (clauses.length < 2) return whole;
    let best = whole;
    for (const clause of clauses.slice(0, MAX_CLAUSES)) {
      const read = await this.classify(clause, known);
      if (!COURTESY.has(read.intent) && read.score > best.score) best = read;
    }
    return best;
  }

  private async classify(clean: string, known: NluLocale): Promise<Recognition> {
    const result = await this.nlp.process(LANGUAGE[known], clean);
    const nlpScores = new Map<string, number>();
    for (const c of result.classifications ?? []) nlpScores.set(c.intent === 'None' ? 'none' : c.intent, c.score);
    // nlp.js answers None alone when it knows no word of the text.
    if (!result.classifications?.length && result.intent === 'None') nlpScores.set('none', 1);
    const ranking = this.ngrams[known]
      .classify(clean)
      .map(({ label, score }) => ({
        intent: label,
        score: NGRAM_WEIGHT * score + (1 - NGRAM_WEIGHT) * (nlpScores.get(label) ?? 0),
      }))
      .sort((a, b) => b.score - a.score);
    const best = ranking[0];
    if (!isIntent(best.intent) || best.score < SCORE_THRESHOLD) return { intent: 'none', score: best.score, ranking };
    return { intent: best.intent, score: best.score, ranking };
  }

  /**
   * The language the text is written in, or undefined when it is data or too short to tell
   * ("ok", "no", a cédula). A caller switches only on a sure guess (say, score ≥ 0.9).
   */
  language(text: string): LanguageGuess | undefined {
    const clean = String(text ?? '')
      .trim()
      .toLowerCase()
      .slice(0, MAX_TEXT_LENGTH);
    if (looksLikeData(clean) || (clean.match(/\p{L}/gu) ?? []).length < MIN_LETTERS_FOR_LANGUAGE) return undefined;
    this.languages ??= this.trainLanguages();
    const [best] = this.languages.classify(clean).sort((a, b) => b.score - a.score);
    return { locale: best.label, score: best.score };
  }
}

let shared: Promise<IntentRecognizer> | undefined;

/** One trained recognizer per process (training takes about a second). */
export function sharedRecognizer(): Promise<IntentRecognizer> {
  shared ??= IntentRecognizer.train().catch((error: unknown) => {
    shared = undefined; // let a later call try again
    throw error;
  });
  return shared;
}
