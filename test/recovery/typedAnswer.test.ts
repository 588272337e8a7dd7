import { describe, expect, it } from 'vitest';
import { SLIP_FROM_LETTERS, comparable, typedAnswerMatches } from '../../src/recovery/typedAnswer';

describe('a typed answer compared with the one on file', () => {
  it('ignores case, accents, spaces and punctuation', () => {
    expect(typedAnswerMatches('Rosa Elena Guamán', 'rosa elena guaman')).toBe(true);
    expect(typedAnswerMatches('Rosa Elena Guamán', '  ROSA   ELENA  GUAMÁN. ')).toBe(true);
    expect(typedAnswerMatches('San Gabriel', 'sangabriel')).toBe(true);
    expect(typedAnswerMatches('Peña', 'pena')).toBe(true);
    expect(typedAnswerMatches('María-José', 'maria jose')).toBe(true);
    expect(comparable('  Ñuñoa, Perú ')).toBe('nunoaperu');
  });

  it(`forgives one slip when the answer on file has ${SLIP_FROM_LETTERS} letters or more`, () => {
    expect(typedAnswerMatches('Riobamba', 'riobanba')).toBe(true); // one letter wrong
    expect(typedAnswerMatches('Riobamba', 'riobamb')).toBe(true); // one missing
    expect(typedAnswerMatches('Mercedes Paucar', 'mercedes paucarr')).toBe(true); // one extra
    expect(typedAnswerMatches('Riobamba', 'rionamva')).toBe(false); // two
    expect(typedAnswerMatches('Riobamba', 'roibamba')).toBe(false); // two letters swapped count as two
  });

  it('wants a short answer exact, and never a part of the answer or another one', () => {
    expect(typedAnswerMatches('Zamora', 'samora')).toBe(false);
    expect(typedAnswerMatches('Ana', 'ani')).toBe(false);
    expect(typedAnswerMatches('Zamora', 'zamora')).toBe(true);
    expect(typedAnswerMatches('Mercedes Paucar', 'mercedes')).toBe(false);
    expect(typedAnswerMatches('Mercedes Paucar', 'paucar mercedes')).toBe(false);
    expect(typedAnswerMatches('Riobamba', 'quito')).toBe(false);
  });

  it('never matches an empty answer, on either side', () => {
    expect(typedAnswerMatches('Riobamba', '')).toBe(false);
    expect(typedAnswerMatches('Riobamba', ' ¿? ')).toBe(false);
    expect(typedAnswerMatches('', '')).toBe(false);
  });
});
