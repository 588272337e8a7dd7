import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cedulaCheckDigit, isValidCedula, parseCedula, parseRuc } from '../../src/recovery/identity';

/** A valid cédula from its parts: province, third digit, six more digits, módulo 10 check. */
const validCedula = fc
  .tuple(
    fc.constantFrom(...Array.from({ length: 24 }, (_, i) => i + 1), 30, 50),
    fc.integer({ min: 0, max: 6 }),
    fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 6, maxLength: 6 }),
  )
  .map(([province, third, rest]) => {
    const nine = `${String(province).padStart(2, '0')}${third}${rest.join('')}`;
    return `${nine}${cedulaCheckDigit(nine)}`;
  });

const anyText = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: fc.constantFrom(...'0123456789 .-\t\u00a0０١'.split('')) }),
);

describe('parseCedula', () => {
  it.each(['1714307103', '0602910945', '0926687856', '0910005917', '0962467429'])('accepts %s', (n) => {
    expect(parseCedula(n)).toEqual({ ok: true, value: n });
    expect(isValidCedula(n)).toBe(true);
  });

  it.each([
    ['1714307104', 'check_digit'],
    ['0926687858', 'check_digit'],
    ['1784307108', 'third_digit'],
    ['8814307107', 'province'],
    ['0014307103', 'province'],
    ['2514307103', 'province'],
    ['', 'empty'],
    ['  \t ', 'empty'],
    [' - . ', 'empty'],
    ['17143O7103', 'non_digits'],
    ['1714307103a', 'non_digits'],
    ['cédula 1714307103', 'non_digits'],
    ['171430710', 'length'],
    ['17143071033', 'length'],
    ['88', 'length'],
  ] as const)('rejects %j with %s', (text, reason) => {
    expect(parseCedula(text)).toEqual({ ok: false, reason });
  });

  it('reports the first problem: characters, then length, then province, then third digit', () => {
    expect(parseCedula('88x')).toEqual({ ok: false, reason: 'non_digits' });
    expect(parseCedula('881')).toEqual({ ok: false, reason: 'length' });
    expect(parseCedula('8884307107')).toEqual({ ok: false, reason: 'province' });
    expect(parseCedula('1784307100')).toEqual({ ok: false, reason: 'third_digit' });
  });

  it('normalises spaces, dots, dashes and surrounding whitespace', () => {
    for (const typed of ['171430710-3', ' 1714307103 ', '17.1430.7103', '17 1430 7103', '\n1714-307-103\t']) {
      expect(parseCedula(typed)).toEqual({ ok: true, value: '1714307103' });
    }
  });

  it('accepts provinces 30 (abroad) and 50 (foreigners)', () => {
    for (const nine of ['301430710', '501430710']) {
      const cedula = `${nine}${cedulaCheckDigit(nine)}`;
      expect(parseCedula(cedula)).toEqual({ ok: true, value: cedula });
    }
  });

  it('isValidCedula takes bare digits only', () => {
    expect(isValidCedula('171430710-3')).toBe(false);
    expect(isValidCedula(' 1714307103')).toBe(false);
    expect(isValidCedula('')).toBe(false);
    expect(isValidCedula('1714307104')).toBe(false);
  });

  it('accepts every generated valid cédula, however it is typed', () => {
    fc.assert(
      fc.property(validCedula, fc.constantFrom('', ' ', '-', '.'), (cedula, sep) => {
        expect(parseCedula(cedula)).toEqual({ ok: true, value: cedula });
        expect(parseCedula(` ${cedula.slice(0, 9)}${sep}${cedula[9]} `)).toEqual({ ok: true, value: cedula });
        expect(isValidCedula(cedula)).toBe(true);
      }),
    );
  });

  it('rejects a valid cédula with any other check digit', () => {
    fc.assert(
      fc.property(validCedula, fc.integer({ min: 1, max: 9 }), (cedula, shift) => {
        const wrong = `${cedula.slice(0, 9)}${(Number(cedula[9]) + shift) % 10}`;
        expect(parseCedula(wrong)).toEqual({ ok: false, reason: 'check_digit' });
      }),
    );
  });

  it('never throws on any text', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const r = parseCedula(text);
        expect(r.ok ? r.value : `refused: ${r.reason}`).toMatch(/^(\d{10}|refused: .+)$/);
      }),
      { numRuns: 500 },
    );
  });
});

describe('parseRuc', () => {
  it.each(['0926687856001', '1760001550001', '1792060346001', '0992397535001'])('accepts %s', (n) => {
    expect(parseRuc(n)).toEqual({ ok: true, value: n });
  });

  it('accepts registered private-company RUCs that fail módulo 11: the directory decides', () => {
    expect(parseRuc('1793213150001')).toEqual({ ok: true, value: '1793213150001' });
    expect(parseRuc('0993366721001')).toEqual({ ok: true, value: '0993366721001' });
  });

  it('accepts the RUC of a person whose cédula has a 6 as third digit', () => {
    expect(parseRuc('0962467429001')).toEqual({ ok: true, value: '0962467429001' });
    expect(parseRuc('0962467429000')).toEqual({ ok: false, reason: 'establishment' });
    expect(parseRuc('0962467428001')).toEqual({ ok: false, reason: 'check_digit' });
  });

  it.each([
    // Public entity: weights 3,2,7,6,5,4,3,2 on 1,7,6,3,1,5,4,6 sum 126, remainder 5, check 6 ≠ 9.
    ['1763154690001', 'check_digit'],
    // Public entity: sum 56, remainder 1, check 10 — no single digit can match. Neither is a cédula + branch.
    ['0160000610001', 'check_digit'],
    ['1760001550000', 'establishment'],
    ['1714307103000', 'establishment'],
    ['1792060346000', 'establishment'],
    ['1714307104001', 'check_digit'],
    ['1774307103001', 'third_digit'],
    ['1784307108001', 'third_digit'],
    ['8814307107001', 'province'],
    ['1714307103', 'length'],
    ['17143071030011', 'length'],
    ['', 'empty'],
    ['RUC 1792060346001', 'non_digits'],
  ] as const)('rejects %j with %s', (text, reason) => {
    expect(parseRuc(text)).toEqual({ ok: false, reason });
  });

  it('normalises what people type around a RUC', () => {
    expect(parseRuc(' 1792060346-001 ')).toEqual({ ok: true, value: '1792060346001' });
    expect(parseRuc('17.9206.0346.001')).toEqual({ ok: true, value: '1792060346001' });
  });

  it('accepts a natural person RUC: any valid cédula with establishment 001–999', () => {
    fc.assert(
      fc.property(validCedula, fc.integer({ min: 1, max: 999 }), (cedula, branch) => {
        const ruc = `${cedula}${String(branch).padStart(3, '0')}`;
        expect(parseRuc(ruc)).toEqual({ ok: true, value: ruc });
      }),
    );
  });

  it('never throws on any text', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const r = parseRuc(text);
        expect(r.ok ? r.value : `refused: ${r.reason}`).toMatch(/^(\d{13}|refused: .+)$/);
      }),
      { numRuns: 500 },
    );
  });
});

describe('cedulaCheckDigit', () => {
  it('computes the módulo 10 digit of the known cédulas', () => {
    expect(cedulaCheckDigit('171430710')).toBe(3);
    expect(cedulaCheckDigit('060291094')).toBe(5);
    expect(cedulaCheckDigit('092668785')).toBe(6);
    expect(cedulaCheckDigit('091000591')).toBe(7);
  });
});
