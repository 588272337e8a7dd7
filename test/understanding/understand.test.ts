import { beforeAll, describe, expect, it } from 'vitest';
import { Texts } from '../../src/i18n';
import { IntentRecognizer } from '../../src/nlu/recognizer';
import { createLanguageGuesser, createUnderstanding } from '../../src/understanding';
import type { Choice } from '../../src/understanding/choices';
import type { Understanding } from '../../src/understanding/understand';

const texts = new Texts();
let understanding: Understanding;
beforeAll(async () => {
  understanding = createUnderstanding(await IntentRecognizer.train(), texts);
});

const es = { locale: 'es-EC' as const };
const yesNo: Choice[] = [
  { value: 'yes', label: 'Sí', synonyms: texts.list('es-EC', 'common:synonyms.yes'), intents: ['affirm'] },
  { value: 'no', label: 'No', synonyms: texts.list('es-EC', 'common:synonyms.no'), intents: ['deny'] },
];
const menu: Choice[] = [
  { value: 'person', label: 'Recuperar mi clave', intents: ['recover_key'] },
  { value: 'employer', label: 'Clave de empleador', synonyms: ['patronal', 'empleador'], intents: ['employer_key'] },
  { value: 'lostEmail', label: 'No puedo abrir mi correo', intents: ['no_email_access'] },
  { value: 'faq', label: 'Preguntas frecuentes' },
  { value: 'agent', label: 'Hablar con una persona', intents: ['talk_to_agent'] },
];
const companies: Choice[] = [
  'Tecnologías Quinde Digital S.A.',
  'Cacaotera Mirlo Azul S.A.',
  'Florícola Pétalo Andino Cía. Ltda.',
  'Consultora Brújula Andina Cía. Ltda.',
].map((label, i) => ({ value: String(i), label }));
const challenge = { kind: 'choice' as const, choices: companies, dontKnow: true };

describe('Understanding.read', () => {
  it('reads a cédula wherever it is in the message', async () => {
    for (const text of ['mi cedula es 1714307103', 'perdon, es 171430710-3', 'buenas tardes disculpe la molestia, 1714 307 103']) {
      expect(await understanding.read(text, { kind: 'cedula' }, es), text).toMatchObject({ kind: 'answer', value: '1714307103' });
    }
  });

  it('keeps the values given with the answer', async () => {
    const reading = await understanding.read('1714307103 y naci el 15 de marzo', { kind: 'cedula' }, es);
    expect(reading).toMatchObject({ kind: 'answer', value: '1714307103', given: { birth: { day: 15, month: 3 } } });
  });

  it('offers the other flow for a number of the other kind', async () => {
    expect(await understanding.read('RUC 1760001550001', { kind: 'cedula' }, es)).toMatchObject({ kind: 'otherFlow', flow: 'employer' });
    expect(await understanding.read('1714307103', { kind: 'ruc' }, es)).toMatchObject({ kind: 'otherFlow', flow: 'person' });
  });

  it('says what is wrong with a number', async () => {
    expect(await understanding.read('mi cedula es 1714307104', { kind: 'cedula' }, es)).toEqual({
      kind: 'unclear',
      reason: 'cedula_check_digit',
    });
  });

  it('reads a correction as a new value for an earlier step', async () => {
    const reading = await understanding.read(
      'ay perdon esa es la cedula de mi mama, la mia es 0602910945',
      { kind: 'dayMonth' },
      {
        ...es,
        known: { cedula: '1714307103' },
      },
    );
    expect(reading).toEqual({ kind: 'given', given: { cedula: '0602910945' } });
  });

  it('never lets an incidental "una" beat a plea for a person', async () => {
    expect(await understanding.read('quiero hablar con una persona', { kind: 'choice', choices: yesNo }, es)).toMatchObject({
      kind: 'intent',
      intent: 'talk_to_agent',
    });
    expect(await understanding.read('quiero hablar con una persona', challenge, es)).toMatchObject({
      kind: 'intent',
      intent: 'talk_to_agent',
    });
  });

  it('at the menu, the request decides, not a shared word like "clave"', async () => {
    expect(await understanding.read('se me olvido la clave', { kind: 'choice', choices: menu }, es)).toMatchObject({
      kind: 'answer',
      value: 'person',
    });
    expect(await understanding.read('necesito la clave patronal de mi negocio', { kind: 'choice', choices: menu }, es)).toMatchObject({
      kind: 'answer',
      value: 'employer',
    });
  });

  it('warns about a key before matching any option', async () => {
    expect(await understanding.read('mi clave nueva es Quito2024', { kind: 'choice', choices: menu }, es)).toEqual({ kind: 'key' });
  });

  it('understands "ninguna" and "no me acuerdo" at a challenge question, never as an option', async () => {
    for (const text of ['ninguna', 'no me acuerdo', 'no reconozco ninguna de esas', 'no se']) {
      expect(await understanding.read(text, challenge, es), text).toEqual({ kind: 'dontKnow' });
    }
  });

  it('takes the words of a typed answer as they are, unless they are a request, "no sé", a key or a number for another step', async () => {
    const typed = { kind: 'text' as const, dontKnow: true };
    // Names and cities that are also words: Socorro, Consuelo, Milagro, Abril…
    for (const text of ['mercedes paucar', 'riobanba', 'Socorro', 'Consuelo Amparo', 'Milagro', 'Abril', 'la libertad'])
      expect(await understanding.read(text, typed, es), text).toEqual({ kind: 'answer', value: text, given: {} });
    expect(await understanding.read('no me acuerdo', typed, es)).toEqual({ kind: 'dontKnow' });
    expect(await understanding.read('quiero hablar con un asesor', typed, es)).toMatchObject({ kind: 'intent', intent: 'talk_to_agent' });
    expect(await understanding.read('cancelar', typed, es)).toMatchObject({ kind: 'intent', intent: 'cancel' });
    expect(await understanding.read('Riobamba2024', typed, es)).toEqual({ kind: 'key' });
    expect(await understanding.read('perdon mi cedula es 0602910945', typed, { ...es, known: { cedula: '1714307103' } })).toEqual({
      kind: 'given',
      given: { cedula: '0602910945' },
    });
  });

  it('asks when two options are equally likely', async () => {
    const reading = await understanding.read('la andina', challenge, es);
    expect(reading.kind).toBe('clarify');
  });

  it('answers the question asked when its words touch two menu options at once', async () => {
    const menuWithWords: Choice[] = menu.map((c) =>
      c.value === 'lostEmail' ? { ...c, synonyms: ['correo'] } : c.value === 'faq' ? { ...c, synonyms: ['pregunta'] } : c,
    );
    const reading = await understanding.read(
      'una pregunta, y si vivo en madrid como cambio mi correo?',
      { kind: 'choice', choices: menuWithWords },
      es,
    );
    expect(reading).toMatchObject({ kind: 'intent' });
    // Without a request, the same two-way words are asked about.
    expect(await understanding.read('tengo una pregunta del correo', { kind: 'choice', choices: menuWithWords }, es)).toMatchObject({
      kind: 'clarify',
    });
  });

  it('takes a typed answer without the words people put before it', async () => {
    const typed = { kind: 'text' as const, dontKnow: true };
    expect(await understanding.read('mi mamá se llama Rosa Elena', typed, es)).toMatchObject({ kind: 'answer', value: 'rosa elena' });
    expect(await understanding.read('naci en la ciudad de Riobamba', typed, es)).toMatchObject({ kind: 'answer', value: 'riobamba' });
    expect(await understanding.read('Esmeraldas', typed, es)).toMatchObject({ kind: 'answer', value: 'Esmeraldas' });
    expect(await understanding.read("my mother's name is Carmen", typed, { locale: 'en' })).toMatchObject({
      kind: 'answer',
      value: 'carmen',
    });
  });

  it('answers "y si vivo en madrid?" as living abroad', async () => {
    expect(await understanding.read('y si vivo en madrid?', { kind: 'choice', choices: menu }, es)).toMatchObject({
      kind: 'intent',
      intent: 'lives_abroad',
    });
  });

  it('lets the intent decide between two actions that share a word', async () => {
    const actions: Choice[] = [
      { value: 'resend', label: 'Send a new code' },
      { value: 'not_received', label: 'It did not arrive', intents: ['code_not_received'] },
    ];
    expect(await understanding.read('the code never arrived', { kind: 'code', choices: actions }, { locale: 'en' })).toMatchObject({
      kind: 'answer',
      value: { choice: 'not_received' },
    });
  });

  it('reads no when a yes word sits inside a no phrase ("ya" in "ya no")', async () => {
    expect(await understanding.read('no ya no lo uso', { kind: 'choice', choices: yesNo }, es)).toMatchObject({
      kind: 'answer',
      value: 'no',
    });
  });

  it('reads yes in the ways people say it', async () => {
    for (const text of ['ya', 'si claro', 'Sí', 'dale', 'de ley']) {
      expect(await understanding.read(text, { kind: 'choice', choices: yesNo }, es), text).toMatchObject({ kind: 'answer', value: 'yes' });
    }
  });

  it('hears a request after courtesies, and no option in a look-alike word ("puede" for «No puedo abrir mi correo»)', async () => {
    const reading = await understanding.read(
      'buenos dias Dios le pague, me puede atender una señorita',
      { kind: 'choice', choices: menu },
      es,
    );
    expect(reading).toMatchObject({ kind: 'answer', value: 'agent' });
  });

  it('at «¿Seguro que quieres dejar…?», takes the yes or no said first over the words after it', async () => {
    const confirm = { kind: 'choice' as const, choices: yesNo, answerFirst: true };
    for (const [text, value] of [
      ['no, mejor sigamos', 'no'],
      ['no quiero cancelar', 'no'],
      ['si, cancela nomas', 'yes'],
    ])
      expect(await understanding.read(text, confirm, es), text).toMatchObject({ kind: 'answer', value });
  });
});

describe('LanguageGuesser', () => {
  const guesser = createLanguageGuesser(texts);

  it.each([
    ['I forgot my password', 'en'],
    ['hello, i need help with my key', 'en'],
    ['can you speak english?', 'en'],
    ['olvide mi clave del iess', 'es-EC'],
    ['en español por favor', 'es-EC'],
  ])('«%s» is clearly %s', (text, locale) => {
    expect(guesser.guess(text)).toBe(locale);
  });

  it('does not count the words of the options on screen, nor a word twice', () => {
    expect(guesser.guess('taller de costura hilos de cuenca', ['Taller de Costura Hilos de Cuenca'])).toBeUndefined();
    expect(guesser.guess('tecnologias quinde digital')).toBeUndefined();
  });

  it.each(['ok', 'no', '1714307103', 'si', 'hola'])('«%s» says nothing about the language', (text) => {
    expect(guesser.guess(text)).toBeUndefined();
  });
});
