import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDayMonth } from '../../src/recovery/birthdate';

describe('parseDayMonth', () => {
  it.each([
    '5/3',
    '05/03',
    '05-03-1985',
    '5.3.1985',
    '5/3/85',
    '5 3',
    '1985-03-05',
    '5 de marzo',
    '5 de marzo de 1985',
    '5 de Marzo del 85',
    'marzo 5',
    'Marzo 5 de 1985',
    '5 marzo 1985',
    '05 mar',
    '5 mar. 1985',
    '5 MARZO',
    '5 de márzo',
    'nací el 5 de marzo',
    '5marzo',
    '5-mar-1985',
    'march 5',
    '5 march',
    'March 5th',
    'the 5th of March',
    'march 5, 1985',
    '1985 marzo 5',
    ' 5/3. ',
  ])('reads %j as 5 March', (text) => {
    expect(parseDayMonth(text)).toEqual({ ok: true, value: { day: 5, month: 3 } });
  });

  it('reads numeric forms day first', () => {
    expect(parseDayMonth('12/11')).toEqual({ ok: true, value: { day: 12, month: 11 } });
    expect(parseDayMonth('11/12/1990')).toEqual({ ok: true, value: { day: 11, month: 12 } });
  });

  it.each([
    ['1 ene', 1],
    ['1 febrero', 2],
    ['1 abril', 4],
    ['1 may', 5],
    ['1 junio', 6],
    ['1 julio', 7],
    ['1 agosto', 8],
    ['1 septiembre', 9],
    ['1 setiembre', 9],
    ['1 sept', 9],
    ['1 octubre', 10],
    ['1 noviembre', 11],
    ['1 diciembre', 12],
    ['1 dic', 12],
    ['january 1', 1],
    ['august 1', 8],
    ['dec 1', 12],
  ] as const)('knows the month in %j', (text, month) => {
    expect(parseDayMonth(text)).toEqual({ ok: true, value: { day: 1, month } });
  });

  it('accepts 29 February unless the year given is not a leap year', () => {
    expect(parseDayMonth('29/2')).toEqual({ ok: true, value: { day: 29, month: 2 } });
    expect(parseDayMonth('29 de febrero')).toEqual({ ok: true, value: { day: 29, month: 2 } });
    expect(parseDayMonth('29/02/2000')).toEqual({ ok: true, value: { day: 29, month: 2 } });
    expect(parseDayMonth('29/02/1984')).toEqual({ ok: true, value: { day: 29, month: 2 } });
    expect(parseDayMonth('29/02/2023')).toEqual({ ok: false, reason: 'invalid_date' });
    expect(parseDayMonth('29 de febrero de 1900')).toEqual({ ok: false, reason: 'invalid_date' });
    expect(parseDayMonth('30/2')).toEqual({ ok: false, reason: 'invalid_date' });
  });

  it.each([
    '31/4',
    '0/5',
    '5/13',
    '5/0',
    '32/1',
    '00/00',
    '31 de abril',
    'abril 31',
    '31 febrero',
    '0 de marzo',
    '5/3/1850',
    `5/3/${new Date().getUTCFullYear() + 1}`,
  ])('says %j is not a real date', (text) => {
    expect(parseDayMonth(text)).toEqual({ ok: false, reason: 'invalid_date' });
  });

  it.each([
    '',
    '   ',
    'hola',
    'no sé',
    'marzo',
    'marzo 1985',
    '5',
    '1985',
    '5/3/198',
    '123 de marzo',
    '5 de marzo y abril',
    '5 6 marzo',
    '5 constructor',
    '5 de toString',
    '1714307103',
    'mi clave es Quito2024',
    '5/3/1985/2',
    'x'.repeat(100),
  ])('cannot read %j', (text) => {
    expect(parseDayMonth(text)).toEqual({ ok: false, reason: 'format' });
  });

  it('returns a real day and month or a reason for any text, never throws', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' })), (text) => {
        const r = parseDayMonth(text);
        // A day 1–31 and a month 1–12, or one of the two reasons.
        expect(r.ok ? `${r.value.day}/${r.value.month}` : r.reason).toMatch(/^(([1-9]|[12]\d|3[01])\/([1-9]|1[0-2])|format|invalid_date)$/);
      }),
      { numRuns: 500 },
    );
  });

  it('reads every real day typed as d/m', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('2000-01-01'), max: new Date('2000-12-31'), noInvalidDate: true }), (date) => {
        const [day, month] = [date.getUTCDate(), date.getUTCMonth() + 1];
        expect(parseDayMonth(`${day}/${month}`)).toEqual({ ok: true, value: { day, month } });
      }),
    );
  });
});
