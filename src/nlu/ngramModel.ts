/**
 * A character n-gram classifier: softmax regression over the letter sequences of a message.
 * nlp.js reads whole (stemmed) words, so a typo or a missing accent makes a word unknown;
 * n-grams of three to five letters still match most of a misspelt word ("contracena",
 * "bloquiaron", "grasias"), and word pairs keep some order ("no tengo" is not "tengo").
 */

import { fold } from '../understanding/text';

/**
 * Letters and digits only, lowercase, without accents: "¿Olvidé la CLAVE?" → "olvide la clave".
 * Apostrophes join ("I'm" → "im"), as people type them on a phone.
 */
export function foldText(text: string): string {
  return fold(text.replace(/['’]/g, ''))
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

function features(text: string): string[] {
  const words = foldText(text).split(' ').filter(Boolean);
  const found = new Set<string>();
  for (const [i, word] of words.entries()) {
    found.add(`w:${word}`);
    if (i > 0) found.add(`b:${words[i - 1]} ${word}`);
    const padded = ` ${word} `;
    for (let n = 3; n <= 5; n++) {
      for (let at = 0; at + n <= padded.length; at++) found.add(`c:${padded.slice(at, at + n)}`);
    }
  }
  return [...found];
}

/** A small deterministic generator, so that training the same examples gives the same model. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Vector {
  index: number[];
  value: number;
}

export interface NgramTraining {
  epochs?: number;
  learningRate?: number;
  /** L2 penalty per step; keeps rare n-grams from deciding alone. */
  l2?: number;
}

export class NgramModel<Label extends string> {
  private constructor(
    private readonly labels: readonly Label[],
    private readonly vocabulary: Map<string, number>,
    /** One row of label weights per feature (row-major, so a feature's weights sit together); the bias is the last row. */
    private readonly weights: Float64Array,
  ) {}

  static train<Label extends string>(
    examples: readonly { text: string; label: Label }[],
    labels: readonly Label[],
    { epochs = 10, learningRate = 1, l2 = 1e-5 }: NgramTraining = {},
  ): NgramModel<Label> {
    const vocabulary = new Map<string, number>();
    const rows = examples.map(({ text, label }) => {
      const index = features(text).map((f) => {
        let at = vocabulary.get(f);
        if (at === undefined) vocabulary.set(f, (at = vocabulary.size));
        return at;
      });
      return { vector: { index, value: 1 / Math.sqrt(Math.max(1, index.length)) }, label: labels.indexOf(label) };
    });
    const width = labels.length;
    const weights = new Float64Array((vocabulary.size + 1) * width);
    const model = new NgramModel(labels, vocabulary, weights);
    const bias = vocabulary.size * width;
    const gradient = new Float64Array(width);
    const random = seededRandom(20_260_101);
    const order = rows.map((_, i) => i);
    for (let epoch = 0; epoch < epochs; epoch++) {
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [order[i], order[j]] = [order[j], order[i]];
      }
      const rate = learningRate / (1 + epoch * 0.1);
      for (const at of order) {
        const { vector, label } = rows[at];
        const probabilities = model.probabilities(vector);
        for (let k = 0; k < width; k++) gradient[k] = (k === label ? 1 : 0) - probabilities[k];
        for (const f of vector.index) {
          const row = f * width;
          for (let k = 0; k < width; k++) weights[row + k] += rate * (gradient[k] * vector.value - l2 * weights[row + k]);
        }
        for (let k = 0; k < width; k++) weights[bias + k] += rate * gradient[k];
      }
    }
    return model;
  }

  /** The probability of every label, in the order they were given. */
  classify(text: string): { label: Label; score: number }[] {
    const all = features(text);
    const index = all.map((f) => this.vocabulary.get(f)).filter((at): at is number => at !== undefined);
    // Unknown pieces still count in the length: a text the examples barely cover gets a weaker reading.
    const probabilities = this.probabilities({ index, value: 1 / Math.sqrt(Math.max(1, all.length)) });
    return this.labels.map((label, k) => ({ label, score: probabilities[k] }));
  }

  private probabilities(vector: Vector): Float64Array {
    const width = this.labels.length;
    const logits = this.weights.slice(this.vocabulary.size * width, (this.vocabulary.size + 1) * width);
    for (const f of vector.index) {
      const row = f * width;
      for (let k = 0; k < width; k++) logits[k] += this.weights[row + k] * vector.value;
    }
    let top = -Infinity;
    for (const l of logits) top = Math.max(top, l);
    let total = 0;
    for (let k = 0; k < width; k++) total += logits[k] = Math.exp(logits[k] - top);
    for (let k = 0; k < width; k++) logits[k] /= total;
    return logits;
  }
}
