import { fold } from '../../understanding/text';

const wordsOf = (text: string) => text.split(/\s+/).filter(Boolean);

/** Cuts at the last whole word that fits, with "…"; one long word is cut inside. */
export function cutToFit(text: string, max: number): string {
  const clean = text.replace(/\s+/g, ' ').trim();
  if ([...clean].length <= max) return clean;
  let kept = '';
  for (const word of wordsOf(clean)) {
    const next = kept ? `${kept} ${word}` : word;
    if ([...next].length > max - 1) break;
    kept = next;
  }
  if (!kept) kept = [...clean].slice(0, max - 1).join('');
  return `${kept.replace(/[\s,.;:(\-–]+$/u, '')}…`;
}

/**
 * Labels for buttons or list items that allow `max` characters: a label that fits stays as it
 * is; a longer one is cut at a word, keeping a word that only it has (what tells it apart from
 * the others) when the cut would lose every such word; labels that would still read the same
 * are numbered. The result has one label per input, each within `max`, all different.
 */
export function shortenLabels(labels: readonly string[], max: number): string[] {
  const words = labels.map((label) => new Set(wordsOf(label).map(fold)));
  const shortened = labels.map((label, i) => {
    const cut = cutToFit(label, max);
    if (cut === label.replace(/\s+/g, ' ').trim()) return cut;
    const own = wordsOf(label).filter((w) => words.every((other, j) => j === i || !other.has(fold(w))));
    const keptOwn = own.some((w) => wordsOf(cut.replace(/…$/, '')).includes(w));
    return own.length === 0 || keptOwn ? cut : cutToFit(own.join(' '), max);
  });
  const seen = new Map<string, number>();
  for (const label of shortened) seen.set(fold(label), (seen.get(fold(label)) ?? 0) + 1);
  return shortened.map((label, i) => ((seen.get(fold(label)) ?? 0) > 1 ? cutToFit(`${i + 1}. ${labels[i]}`, max) : label));
}
