import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { Nlp } from '@nlpjs/nlp';
import { LangEs } from '@nlpjs/lang-es';
import { LangEn } from '@nlpjs/lang-en-min';
import { INTENTS, isIntent, type Intent } from './intents';

export type NluLocale = 'es-EC' | 'en';
export interface Recognition {
  intent: Intent;
  score: number;
}

const DEFAULT_LOCALES_DIR = join(__dirname, '..', '..', 'locales');

/** nlp.js speaks in languages, the assistant in locales. */
const LANGUAGE: Record<NluLocale, string> = { 'es-EC': 'es', en: 'en' };

/**
 * Below this the model is guessing; tuned on test/nlu/heldout.es.json
 * (accuracy there is flat from 0 to 0.5 and drops above; 0.5 keeps out the most guesses).
 */
export const SCORE_THRESHOLD = 0.5;

/** Longest text handed to the model; a chat message past this is not a short request. */
const MAX_TEXT_LENGTH = 300;

const intentsFileSchema = z.record(z.string(), z.array(z.string().min(1)).min(1));

/** nlp.js reports through console by default; the assistant keeps its logs for pino. */
const silentLogger = {
  name: 'logger',
  debug() {}, info() {}, warn() {}, error() {}, log() {}, trace() {}, fatal() {},
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
  return parsed as Record<Intent, string[]>;
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
export function unstretch(text: string): string {
  return text
    .replace(/(\p{L})\1{2,}/gu, '$1')
    .replace(/([aiou])\1(?=\P{L}|$)/gu, '$1');
}

export class IntentRecognizer {
  private constructor(private readonly nlp: Nlp) {}

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
    for (const locale of Object.keys(LANGUAGE) as NluLocale[]) {
      const examples = readIntentExamples(localesDir, locale);
      for (const intent of INTENTS) {
        for (const text of examples[intent]) nlp.addDocument(LANGUAGE[locale], text.toLowerCase(), intent);
      }
    }
    await nlp.train();
    return new IntentRecognizer(nlp);
  }

  /**
   * The most likely intent, or `none` when the text is data (score 1), matches no known
   * word (nlp.js' own None) or scores below SCORE_THRESHOLD (that low score).
   */
  async recognize(text: string, locale: NluLocale): Promise<Recognition> {
    const clean = unstretch(String(text ?? '').trim().toLowerCase().slice(0, MAX_TEXT_LENGTH));
    if (looksLikeData(clean)) return { intent: 'none', score: 1 };
    const result = await this.nlp.process(LANGUAGE[locale] ?? LANGUAGE['es-EC'], clean);
    const score = typeof result.score === 'number' ? result.score : 0;
    // A low score is reported as it is, so a caller can see how unsure the guess was.
    if (!isIntent(result.intent) || score < SCORE_THRESHOLD) return { intent: 'none', score };
    return { intent: result.intent, score };
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
