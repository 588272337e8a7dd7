import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cedulaCheckDigit } from '../../src/recovery/identity';
import { looksLikeKey, parseCode } from '../../src/recovery/textChecks';

const anyText = fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }), fc.string());

describe('parseCode', () => {
  it.each(['123456', ' 123456 ', '123 456', '123-456', '12 34 56', 'mi código es 123456', 'Código: 123 456.', 'es el 123456 gracias'])(
    'reads %j as 123456',
    (text) => {
      expect(parseCode(text)).toBe('123456');
    },
  );

  it('keeps leading zeros', () => {
    expect(parseCode('012345')).toBe('012345');
  });

  it.each([
    '',
    'hola',
    '12345',
    '1234567',
    '1714307103',
    '05-03-1985',
    '123456 y 654321',
    'el 5 de marzo 123456',
    '12345a',
    'uno dos tres',
    `mi código es 123456${' '.repeat(80)}`,
  ])('finds no code in %j', (text) => {
    expect(parseCode(text)).toBeUndefined();
  });

  it('never throws; any code it finds is six digits', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const code = parseCode(text);
        expect(code ?? 'none').toMatch(/^(\d{6}|none)$/);
      }),
      { numRuns: 500 },
    );
  });
});

describe('looksLikeKey', () => {
  it.each([
    'Quito2024',
    'quito2024',
    'Quito2024.',
    'abc123',
    'mi clave es abc12345',
    'la contraseña es juan1985',
    'Mi clave es Quito2024',
    'clave: Quito2024',
    'clave=abc123',
    'mi contraseña es "juan1985"',
    'my password is hunter22',
    'mi clave nueva sería Ecuador2025',
    'mi clave es mariposa',
    'la contraseña era girasol',
  ])('flags %j', (text) => {
    expect(looksLikeKey(text)).toBe(true);
  });

  it.each([
    // Identity numbers, codes, dates, dactilar codes.
    '1714307103',
    '1792060346001',
    '171430710-3',
    '123456',
    '123 456',
    '5/3',
    '05-03-1985',
    '5 de marzo de 1985',
    '5marzo1985',
    'marzo5',
    '31febrero',
    'V1234I5678',
    'juan.perez@gmail.com',
    // Short answers.
    'sí',
    'si',
    'no',
    'ok',
    '1',
    '2',
    'opción 2',
    'opcion2',
    'hola',
    '',
    // Ordinary sentences, also about the key.
    'olvidé mi clave',
    'quiero recuperar mi clave del IESS',
    'mi clave es incorrecta',
    'mi clave está bloqueada',
    'mi clave estaba bloqueada',
    'la clave es personal',
    'mi clave es la misma',
    'la clave es bloqueada',
    'no me llega el correo',
    'trabajé en la empresa ABC desde 2010',
    'mi cédula es 1714307103',
  ])('does not flag %j', (text) => {
    expect(looksLikeKey(text)).toBe(false);
  });

  it('never throws on any text', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        expect(typeof looksLikeKey(text)).toBe('boolean');
      }),
      { numRuns: 500 },
    );
  });

  it('never flags a cédula, a RUC or a code', () => {
    const digits = (n: number) => fc.array(fc.integer({ min: 0, max: 9 }), { minLength: n, maxLength: n }).map((d) => d.join(''));
    const cedula = digits(9).map((nine) => `${nine}${cedulaCheckDigit(nine)}`);
    fc.assert(
      fc.property(
        fc.oneof(
          cedula,
          cedula.map((c) => `${c}001`),
          digits(6),
        ),
        (number) => {
          expect(looksLikeKey(number)).toBe(false);
        },
      ),
    );
  });
});
