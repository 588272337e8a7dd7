import { describe, expect, it } from 'vitest';
import { Texts } from '../../src/i18n';
import { lexiconFrom } from '../../src/understanding';
import { type Choice, openingChoice, scoreChoices } from '../../src/understanding/choices';
import { findDate } from '../../src/understanding/dates';
import { findNumbers } from '../../src/understanding/numbers';

describe('findNumbers', () => {
  it.each([
    ['1714307103', '1714307103'],
    ['mi cedula es 1714307103', '1714307103'],
    ['es el 171430710-3', '1714307103'],
    ['171430710 - 3', '1714307103'],
    ['171430710 – 3', '1714307103'],
    ['1714 307 103', '1714307103'],
    ['17.14.30.71.03', '1714307103'],
    ['buenas tardes disculpe, mi numero de cedula es el 0602910945 gracias', '0602910945'],
    ['1714307103 y naci el 15/03', '1714307103'],
    ['1714307103 15 03 1985', '1714307103'],
  ])('finds the cédula in «%s»', (text, cedula) => {
    expect(findNumbers(text).cedulas).toEqual([cedula]);
  });

  it('keeps every cédula in order: a correction means the last one', () => {
    expect(findNumbers('esa es la cedula de mi mama 0602910945, la mia es 1714307103').cedulas).toEqual(['0602910945', '1714307103']);
  });

  it.each([
    ['RUC 1760001550001', '1760001550001'],
    ['el ruc es 1760001550 001', '1760001550001'],
    ['1714307103001', '1714307103001'],
  ])('finds the RUC in «%s» and no cédula inside it', (text, ruc) => {
    const found = findNumbers(text);
    expect(found.rucs).toEqual([ruc]);
    expect(found.cedulas).toEqual([]);
  });

  it('says why a long number is neither', () => {
    expect(findNumbers('mi cedula es 1714307104').invalid).toMatchObject({ cedula: 'check_digit' });
    expect(findNumbers('17143071').invalid).toMatchObject({ cedula: 'length' });
    expect(findNumbers('8814307107').invalid).toMatchObject({ cedula: 'province' });
  });

  it('reads no identity number in dates, codes or years', () => {
    for (const text of ['15/03/1985', '123456', 'desde el 2010', 'el 78']) {
      const found = findNumbers(text);
      expect([found.cedulas, found.rucs], text).toEqual([[], []]);
    }
  });
});

describe('findDate', () => {
  it.each([
    ['15/03', 15, 3],
    ['15-03-1985', 15, 3],
    ['el 15 de marzo de 1985', 15, 3],
    ['quince de marzo', 15, 3],
    ['primero de diciembre', 1, 12],
    ['1ro de diciembre', 1, 12],
    ['treinta y uno de mayo', 31, 5],
    ['veintiuno de julio del 78', 21, 7],
    ['marzo 15', 15, 3],
    ['naci el 5 de mayo', 5, 5],
    ['hola, mi cedula es 1714307103 y naci el 5 de mayo', 5, 5],
    ['15 marzo 1988', 15, 3],
    ['el 15 de marso', 15, 3],
    ['March 15th', 15, 3],
    ['the 2nd of november', 2, 11],
    ['mi fecha de nacimiento es 02/11/1975', 2, 11],
    ['el 15 del 3', 15, 3],
    ['15031985', 15, 3],
    // Month first only where the day cannot be first (people used to dates in the United States).
    ['03/15/1980', 15, 3],
    ['born 12/25', 25, 12],
    ['05/03', 5, 3],
    // "de" slipped to "d", or glued to the day.
    ['8 d agosto', 8, 8],
    ['8de agosto', 8, 8],
    // "ll" for "y": they sound alike.
    ['30 de mallo', 30, 5],
  ])('reads «%s»', (text, day, month) => {
    expect(findDate(text)).toEqual({ ok: true, value: { day, month } });
  });

  it('tells an impossible date from no date', () => {
    expect(findDate('31/04')).toEqual({ ok: false, reason: 'invalid_date' });
    expect(findDate('30 de febrero')).toEqual({ ok: false, reason: 'invalid_date' });
    expect(findDate('el cumple de mi mama')).toBeUndefined();
    expect(findDate('mi cedula es 171430710-3')).toBeUndefined();
  });
});

describe('scoreChoices', () => {
  const texts = new Texts();
  const es = lexiconFrom(texts)('es-EC');
  const en = lexiconFrom(texts)('en');
  const companies: Choice[] = [
    'Tecnologías Quinde Digital S.A.',
    'Florícola Pétalo Andino Cía. Ltda.',
    'Cacaotera Mirlo Azul S.A.',
    'Consultora Brújula Andina Cía. Ltda.',
  ].map((label, i) => ({ value: String(i), label }));
  const years: Choice[] = ['1976', '1978', '1981', '1983'].map((label, i) => ({ value: String(i), label }));
  const best = (text: string, choices: Choice[], words = es) => scoreChoices(text, choices, words)[0];

  it.each([
    ['2', '1'],
    ['la 2', '1'],
    ['opcion 3', '2'],
    ['dos', '1'],
    ['la primera', '0'],
    ['la segunda creo', '1'],
    ['la ultima', '3'],
    ['tecnologias', '0'],
    ['floricola', '1'],
    ['trabaje en la floricola petalo', '1'],
    ['cacaotera mirlo azul', '2'],
    ['tecnolojias quinde', '0'],
    ['Consultora Brújula Andina Cía. Ltda.', '3'],
  ])('«%s» picks option %s clearly', (text, value) => {
    const top = best(text, companies);
    expect(top.choice.value).toBe(value);
    expect(top.score).toBeGreaterThanOrEqual(0.6);
  });

  describe('a synonym counts only when it is not negated', () => {
    const access: Choice[] = [
      { value: 'yes', label: 'Sí', synonyms: ['si', 'tengo acceso', 'es mi correo', 'lo uso', 'use it'] },
      { value: 'no', label: 'No', synonyms: ['no', 'ya no'] },
    ];
    it.each(['tengo acceso', 'si, es mi correo', 'todavia lo uso', 'i use it'])('«%s» is yes', (text) => {
      expect(best(text, access)?.choice.value).toBe('yes');
    });
    it.each(['ese no es mi correo', 'no tengo acceso', 'ya no lo uso', 'no se si tengo acceso', "i don't use it"])(
      '«%s» is not',
      (text) => {
        expect(best(text, access)?.choice.value).not.toBe('yes');
      },
    );
  });

  it.each([
    ['no, mejor sigamos', 'no'],
    ['no quiero salir', 'no'],
    ['no quiero seguir', 'yes'],
    ['si, salgamos', 'yes'],
  ])('a confirmation is what the message opens with: «%s» is %s', (text, value) => {
    const leave: Choice[] = [
      { value: 'yes', label: 'Sí', synonyms: ['si', 'no quiero seguir'] },
      { value: 'no', label: 'No', synonyms: ['no', 'sigamos'] },
    ];
    expect(openingChoice(text, leave)?.value).toBe(value);
  });

  it('reads English positions', () => {
    expect(best('the first one', companies, en).choice.value).toBe('0');
    expect(best('the last', companies, en).choice.value).toBe('3');
  });

  it('reads a year among the options, also by its last two digits', () => {
    expect(best('el 78', years).choice.value).toBe('1');
    expect(best('desde el 1981 creo', years).choice.value).toBe('2');
    expect(best('1983', years).score).toBe(1);
  });

  it('reads a year written in words', () => {
    expect(best('mil novecientos setenta y ocho', years).choice.value).toBe('1');
    expect(best('en el ochenta y uno creo', years).choice.value).toBe('2');
    expect(best('setenta y seis', years).choice.value).toBe('0');
    expect(best('nineteen eighty three', years, en).choice.value).toBe('3');
  });

  it('gives an incidental number word or shared word little weight', () => {
    const yesNo: Choice[] = [
      { value: 'yes', label: 'Sí' },
      { value: 'no', label: 'No' },
    ];
    expect(best('quiero hablar con una persona', yesNo)?.score ?? 0).toBeLessThan(0.5);
    // "Cía. Ltda." is in two labels: it tells nothing.
    expect(scoreChoices('cia ltda', companies, es)).toEqual([]);
    expect(scoreChoices('no reconozco ninguna de esas', companies, es)).toEqual([]);
  });
});
