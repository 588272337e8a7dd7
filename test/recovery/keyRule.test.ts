import { dictionary } from '@zxcvbn-ts/language-common';
import { describe, expect, it } from 'vitest';
import { birthDateForms, keyFormatProblem, keyProblem } from '../../src/recovery/keyRule';
import type { KeyOwnerFacts } from '../../src/recovery/types';

const maria: KeyOwnerFacts = { numbers: ['1714307103'], birthDate: '1985-03-15' };
const company: KeyOwnerFacts = { numbers: ['1792060346001', '0602910945'] };
const check = (key: string, owner = maria) => keyProblem(key, key, owner);

describe('the new-key rule', () => {
  it('keeps the IESS format as the outer limit', () => {
    expect(check('abc12')).toBe('too_short');
    expect(check('Cotopaxi58abcdef')).toBe('too_long');
    expect(check('clave 2026x')).toBe('symbols');
    expect(check('Añoviejo2026')).toBe('symbols');
    expect(keyFormatProblem('Cotopaxi58')).toBeUndefined();
    expect(keyFormatProblem('123456')).toBeUndefined();
  });

  it('accepts keys that are none of the refused kinds, and then asks for the same confirmation', () => {
    for (const key of ['Cotopaxi58', 'Quito2026', 'NuevaClave26', 'Guayaquil1', 'Patronal2025', 'tortuga7Rio']) {
      expect(check(key), key).toBeUndefined();
    }
    expect(keyProblem('Cotopaxi58', 'Cotopaxi59', maria)).toBe('mismatch');
  });

  it('refuses the commonest keys of the published list, in any case', () => {
    const list = dictionary['passwords-common'];
    expect(list.length).toBeGreaterThan(10_000);
    for (const key of ['123456', 'password', 'qwerty123', 'iloveyou', 'Dragon', 'PASSWORD1']) expect(check(key), key).toBe('common');
    // Every entry among the first 10,000 that fits the IESS format, not only a few.
    const refused = list.slice(0, 10_000).filter((key) => !keyFormatProblem(key));
    expect(refused.length).toBeGreaterThan(8_000);
    for (const key of refused) expect(['common', 'sequence', 'personal'], key).toContain(check(key, { numbers: [] }));
  });

  it('refuses runs, repeats and keyboard rows that the list may miss', () => {
    for (const key of ['111111', 'abc123', '123456789', 'qwerty1', 'zyxw98765', 'mmmmmm77', 'a1a1a1a1', 'poiuytrewq', '98765432']) {
      expect(['sequence', 'common'], key).toContain(check(key, { numbers: [] }));
    }
    for (const key of ['zyxw98765', 'mmmmmm77', 'asdfgh000', 'ghijkl9876']) expect(check(key, { numbers: [] }), key).toBe('sequence');
  });

  it("refuses the person's own cédula or parts of it", () => {
    for (const key of ['1714307103', 'maria1714', 'casa7103', 'a4307103', '17143071030']) expect(check(key), key).toBe('personal');
    expect(check('casa7193')).toBeUndefined();
  });

  it("refuses the person's birth date in the common forms", () => {
    expect(birthDateForms('1985-03-15')).toEqual(
      expect.arrayContaining(['15031985', '150385', '1503', '0315', '1985', '19850315', '1531985']),
    );
    for (const key of ['15031985', 'Lucia1503', '150385abc', 'Quito1985', 'x19850315', 'sol1531985', 'casa0315']) {
      expect(check(key), key).toBe('personal');
    }
    // Another person's birth date is not "personal" for María.
    expect(check('Quito1987')).toBeUndefined();
  });

  it("refuses an employer's RUC and its representative's cédula", () => {
    for (const key of ['1792060346001', 'empresa0346', 'rep2910945']) expect(check(key, company), key).toBe('personal');
    expect(check('Patronal2025', company)).toBeUndefined();
  });
});
