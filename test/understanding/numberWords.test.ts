import { describe, expect, it } from 'vitest';
import { withNumberWords } from '../../src/understanding/numberWords';
import { words } from '../../src/understanding/text';

const read = (text: string) => withNumberWords(words(text)).join(' ');

describe('withNumberWords', () => {
  it.each([
    ['mil novecientos setenta y ocho', '1978'],
    ['naci en mil novecientos noventa', 'naci en 1990'],
    ['dos mil diez', '2010'],
    ['desde el dos mil veintidós', 'desde el 2022'],
    ['setenta y ocho', '78'],
    ['nineteen seventy-eight', '1978'],
    ['two thousand and ten', '2010'],
    ['in nineteen eighty', 'in 1980'],
  ])('reads «%s»', (text, expected) => {
    expect(read(text)).toBe(expected);
  });

  it('leaves other words and a lone "y" alone', () => {
    expect(read('la empresa y el banco')).toBe('la empresa y el banco');
    expect(read('tres y media')).toBe('3 y media');
  });
});
