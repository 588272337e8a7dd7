/**
 * A character n-gram classifier: softmax regression over the letter sequences of a message.
 * nlp.js reads whole (stemmed) words, so a typo or a missing accent makes a word unknown;
 * n-grams of three to five letters still match most of a misspelt word ("contracena",
 * "bloquiaron", "grasias"), and word pairs keep some order ("no tengo" is not "tengo").
 */

/**
 * Letters and digits only, lowercase, without accents: "¿Olvidé la CLAVE?" → "olvide la clave".
 * Apostrophes join ("I'm" → "im"), as people type them on a phone.
 */
export function foldText(text: string): string {
  return text
    .toLowerCase()
    .replace(/['’]/g, '')
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
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
    /** weights[label][feature], with the bias as the last feature. */
    private readonly weights: Float64Array[],
  ) {}

  static train<Label extends string>(
    examples: readonly { text: string; label: Label }[],
    labels: readonly Label[],
    { epochs = 30, learningRate = 0.5, l2 = 1e-5 }: NgramTraining = {},
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
    const width = vocabulary.size + 1;
    const weights = labels.map(() => new Float64Array(width));
    const model = new NgramModel(labels, vocabulary, weights);
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
        for (let k = 0; k < labels.length; k++) {
          const gradient = (k === label ? 1 : 0) - probabilities[k];
          // A label already all but ruled out (or certain) learns nothing worth the time.
          if (Math.abs(gradient) < 1e-3) continue;
          const w = weights[k];
          for (const f of vector.index) w[f] += rate * (gradient * vector.value - l2 * w[f]);
          w[width - 1] += rate * gradient;
        }
      }
    }
    return model;
  }

  /** The probability of every label, in the order they were given. */
  classify(text: string): { label: Label; score: number }[] {
    const index = features(text)
      .map((f) => this.vocabulary.get(f))
      .filter((at): at is number => at !== undefined);
    const probabilities = this.probabilities({ index, value: 1 / Math.sqrt(Math.max(1, features(text).length)) });
    return this.labels.map((label, k) => ({ label, score: probabilities[k] }));
  }

  private probabilities(vector: Vector): number[] {
    const bias = this.vocabulary.size;
    const logits = this.weights.map((w) => {
      let sum = w[bias];
      for (const f of vector.index) sum += w[f] * vector.value;
      return sum;
    });
    const top = Math.max(...logits);
    const exps = logits.map((l) => Math.exp(l - top));
    const total = exps.reduce((a, b) => a + b, 0);
    return exps.map((e) => e / total);
  }
}
