import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HIDDEN, maskEmail, maskNumber, maskOptions, maskSent, maskText, questionAsked } from '../../src/recovery/mask';

describe('maskEmail', () => {
  it('shows the first letters and the whole domain of the big providers', () => {
    expect(maskEmail('maria.andrade@gmail.com')).toBe('ma•••@gmail.com');
    expect(maskEmail('juan.perez@Hotmail.es')).toBe('ju•••@hotmail.es');
    expect(maskEmail('rosa.quizhpi@outlook.es')).toBe('ro•••@outlook.es');
    expect(maskEmail('ana@yahoo.com')).toBe('a•••@yahoo.com');
    expect(maskEmail('luis1956@andinanet.net')).toBe('lu•••@andinanet.net');
    for (const provider of ['hotmail.com', 'outlook.com', 'live.com', 'msn.com', 'yahoo.es', 'icloud.com'])
      expect(maskEmail(`segundo.t@${provider}`)).toBe(`se•••@${provider}`);
  });

  it('masks a private domain but for its first letter and its ending', () => {
    expect(maskEmail('juan.perez@empresa.com.ec')).toBe('ju•••@e•••.com.ec');
    expect(maskEmail('maria.andrade@example.com')).toBe('ma•••@e•••.com');
    expect(maskEmail('gloria.yepez@mail.example.org')).toBe('gl•••@m•••.org');
    expect(maskEmail('talento@municipio.gob.ec')).toBe('ta•••@m•••.gob.ec');
    // "gmail.com" inside a private domain is not Gmail.
    expect(maskEmail('ventas@gmail.com.empresa.ec')).toBe('ve•••@g•••.ec');
  });

  it('hides the same run whatever the length, so the length is not told', () => {
    expect(maskEmail('ab@gmail.com')).toBe('a•••@gmail.com');
    expect(maskEmail('a@gmail.com')).toBe('•••@gmail.com');
    expect(maskEmail('maximiliano.villavicencio@gmail.com')).toBe('ma•••@gmail.com');
  });

  it('never returns a readable address for odd input', () => {
    expect(maskEmail('')).toBe('•••');
    expect(maskEmail('no-at-sign')).toBe('•••');
    expect(maskEmail('@gmail.com')).toBe('•••');
    expect(maskEmail('juan@')).toBe('j•••@•••');
    expect(maskEmail('juan@localhost')).toBe('j•••@l•••');
  });

  it('holds no character that Markdown or WhatsApp reads as formatting', () => {
    fc.assert(
      fc.property(fc.emailAddress(), (email) => {
        expect(maskEmail(email)).not.toMatch(/[*_~`]/);
      }),
      { numRuns: 500 },
    );
  });

  it('never throws and never shows the mailbox name in full', () => {
    fc.assert(
      fc.property(fc.oneof(fc.emailAddress(), fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' })), (email) => {
        const masked = maskEmail(email);
        const mailbox = email.slice(0, Math.max(email.lastIndexOf('@'), 0));
        // (no mailbox name before an "@": nothing to hide)
        expect(mailbox !== '' && masked.startsWith(`${mailbox}@`)).toBe(false);
        expect(masked).not.toBe(email === '•••' ? '' : email);
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

describe('maskText: what a person wrote, as it may be kept', () => {
  it('hides codes whole and keeps only the ends of cédulas, RUCs and phones', () => {
    expect(maskText('mi código es 482913')).toBe('mi código es ••••••');
    expect(maskText('482 913')).toBe('••••••');
    expect(maskText('cédula 1714307103')).toBe('cédula •••••••103');
    expect(maskText('171430710-3')).toBe('•••••••103');
    expect(maskText('17 14 30 71 03')).toBe('•••••••103');
    expect(maskText('RUC 1760001550001')).toBe('RUC ••••••••••001');
    expect(maskText('tengo 2 hijos y 45 años')).toBe('tengo 2 hijos y 45 años');
  });

  it('hides birth dates in the forms people type them', () => {
    for (const date of [
      '15 de marzo',
      '15 marzo 1988',
      'el quince de marzo',
      '15/03',
      '15-03-1988',
      '1988-03-15',
      '5 mar',
      'March 15th, 1988',
      'on the 15th of march',
    ])
      expect(maskText(`nací ${date}`), date).not.toMatch(/15|quince|marzo|march|mar\b|1988|03/i);
    expect(maskText('el mar y may I help')).toBe('el mar y may I help');
  });

  it('hides link tokens, keys and emails', () => {
    const token = 'Zr4x9_Qm1k-7TtYbW3u0pLsN2vC8hJdE5fGaRiOyXq0';
    expect(maskText(`Abre https://iess.example/clave/nueva?es#${token}`)).toBe(`Abre https://iess.example/clave/nueva#${HIDDEN}`);
    expect(maskText(`el token ${token}`)).toBe(`el token ${HIDDEN}`);
    expect(maskText('mi clave nueva es Quito2024')).toBe(`mi clave nueva es ${HIDDEN}`);
    expect(maskText('la contraseña: quitoquito')).toBe(`la contraseña: ${HIDDEN}`);
    expect(maskText('NuevaClave26')).toBe(HIDDEN);
    expect(maskText('mi correo es maria.andrade@example.com')).toBe('mi correo es ma•••@e•••.com');
    expect(maskText('necesito mi clave patronal')).toBe('necesito mi clave patronal');
    expect(maskText('¿Cómo debe ser la clave?')).toBe('¿Cómo debe ser la clave?');
  });

  it('hides the answer to a secret question whole, and every digit of a code', () => {
    expect(maskText('Cacaotera Mirlo Azul S.A.', 'answer')).toBe(HIDDEN);
    expect(maskText('2', 'answer')).toBe(HIDDEN);
    expect(maskText('quince de marzo', 'birth')).toBe('••/••');
    expect(maskText('el 15, del 3', 'birth')).toBe('el ••, del •');
    expect(maskText('quiero hablar con un asesor', 'birth')).toBe('quiero hablar con un asesor');
    expect(maskText('12345', 'code')).toBe('••••••');
    expect(maskText('1714307103', 'number')).toBe('•••••••103');
  });

  it('is stable: masking twice changes nothing more', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (text) => {
        expect(maskText(maskText(text))).toBe(maskText(text));
      }),
    );
  });
});

describe('maskSent and maskOptions: what the assistant said, as it may be kept', () => {
  it('keeps its examples and hides a link token', () => {
    expect(maskSent('Por ejemplo: 5 de marzo o 05/03, no 123456.')).toBe('Por ejemplo: 5 de marzo o 05/03, no 123456.');
    expect(maskSent('Abre https://iess.example/clave/nueva#Zr4x9_Qm1k-7TtYbW3u0pLsN2vC8hJdE5fGaRiOyXq0')).toBe(
      `Abre https://iess.example/clave/nueva#${HIDDEN}`,
    );
  });

  it('keeps a challenge question without its options, as buttons or as a numbered list', () => {
    const buttons = maskOptions({ text: '¿Para cuál?', suggestedActions: { actions: [{ title: 'Uno S.A.', value: 'Uno S.A.' }] } });
    expect(buttons).toEqual({ text: '¿Para cuál?', suggestedActions: { actions: [{ title: HIDDEN, value: HIDDEN }] } });
    expect(maskOptions({ text: '¿En qué año?\n\n1. 2008\n2. 2010' }).text).toBe(`¿En qué año?\n\n1. ${HIDDEN}\n2. ${HIDDEN}`);
  });

  it('reads the question an activity asks from its mark', () => {
    expect(questionAsked({ channelData: { answerIs: 'birth' } })).toEqual({ answer: 'birth' });
    expect(questionAsked({ channelData: { answerIs: 'open' } })).toEqual({});
    expect(questionAsked({ channelData: { answerIs: 'anything' } })).toBeUndefined();
    expect(questionAsked({})).toBeUndefined();
  });
});
