import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { maskEmail, maskNumber } from '../../src/recovery/mask';

describe('maskEmail', () => {
  it('keeps the first letters, the first letter of the domain and its ending', () => {
    expect(maskEmail('juan.perez@gmail.com')).toBe('ju********@g****.com');
    expect(maskEmail('maria@hotmail.es')).toBe('ma***@h******.es');
    expect(maskEmail('ana@yahoo.com')).toBe('a***@y****.com');
  });

  it('hides very short addresses without revealing them', () => {
    expect(maskEmail('a@b.co')).toBe('***@b***.co');
    expect(maskEmail('ab@x.ec')).toBe('a***@x***.ec');
  });

  it('never returns a readable address for odd input', () => {
    expect(maskEmail('')).toBe('***');
    expect(maskEmail('no-at-sign')).toBe('***');
    expect(maskEmail('@gmail.com')).toBe('***');
    expect(maskEmail('juan@')).toBe('j***@***');
  });

  it('never throws and never shows the mailbox name in full', () => {
    fc.assert(
      fc.property(fc.oneof(fc.emailAddress(), fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' })), (email) => {
        const masked = maskEmail(email);
        const at = email.lastIndexOf('@');
        if (at >= 1) expect(masked.startsWith(`${email.slice(0, at)}@`)).toBe(false);
        expect(masked).not.toBe(email === '***' ? '' : email);
      }),
      { numRuns: 500 },
    );
  });
});

describe('maskNumber', () => {
  it('shows only the last digits', () => {
    expect(maskNumber('1714307103')).toBe('*******103');
    expect(maskNumber('1792060346001', 4)).toBe('*********6001');
    expect(maskNumber('1714307103', 0)).toBe('**********');
  });

  it('hides short numbers whole', () => {
    expect(maskNumber('123')).toBe('***');
    expect(maskNumber('')).toBe('');
  });

  it('keeps the length and at most `visible` digits', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{0,20}$/), fc.integer({ min: 0, max: 6 }), (digits, visible) => {
        const masked = maskNumber(digits, visible);
        expect(masked).toHaveLength(digits.length);
        expect(masked.replace(/\*/g, '').length).toBeLessThanOrEqual(Math.min(visible, Math.max(digits.length - 1, 0)));
      }),
    );
  });
});
