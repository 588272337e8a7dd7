import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { INTENTS } from '../../src/nlu/intents';
import { IntentRecognizer, type NluLocale, looksLikeData, readIntentExamples, sharedRecognizer, unstretch } from '../../src/nlu/recognizer';

const localesDir = join(__dirname, '..', '..', 'locales');
type Phrase = { text: string; intent: string };
/** Sentences as people write them, never used for training: test/nlu/heldout.<language>.json. */
const heldout: Record<NluLocale, Phrase[]> = {
  'es-EC': JSON.parse(readFileSync(join(__dirname, 'heldout.es.json'), 'utf8')),
  en: JSON.parse(readFileSync(join(__dirname, 'heldout.en.json'), 'utf8')),
};
const examples = {
  'es-EC': readIntentExamples(localesDir, 'es-EC'),
  en: readIntentExamples(localesDir, 'en'),
};

let recognizer: IntentRecognizer;
beforeAll(async () => {
  recognizer = await sharedRecognizer();
});

describe('intent examples in locales/', () => {
  it('has the same intent keys in both locales, exactly the INTENTS list', () => {
    const es = JSON.parse(readFileSync(join(localesDir, 'es-EC', 'intents.json'), 'utf8'));
    const en = JSON.parse(readFileSync(join(localesDir, 'en', 'intents.json'), 'utf8'));
    expect(Object.keys(es).sort()).toEqual([...INTENTS].sort());
    expect(Object.keys(en).sort()).toEqual(Object.keys(es).sort());
  });

  it('has enough examples per intent (15 in Spanish, 8 in English)', () => {
    for (const intent of INTENTS) {
      expect(examples['es-EC'][intent].length, intent).toBeGreaterThanOrEqual(15);
      expect(examples.en[intent].length, intent).toBeGreaterThanOrEqual(8);
    }
  });

  it('refuses a file that lacks an intent or names an unknown one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'intents-'));
    try {
      mkdirSync(join(dir, 'es-EC'));
      const partial: Record<string, string[]> = { ...examples['es-EC'], made_up: ['hola'] };
      delete partial.help;
      writeFileSync(join(dir, 'es-EC', 'intents.json'), JSON.stringify(partial));
      expect(() => readIntentExamples(dir, 'es-EC')).toThrow(/unknown intents \[made_up\], missing \[help\]/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.each([
  { locale: 'es-EC' as const, least: 400 },
  { locale: 'en' as const, least: 150 },
])('held-out phrases ($locale)', ({ locale, least }) => {
  const phrases = heldout[locale];

  it('are many, cover every intent and none is a training example', () => {
    expect(phrases.length).toBeGreaterThanOrEqual(least);
    expect(new Set(phrases.map((h) => h.intent))).toEqual(new Set(INTENTS));
    const trained = new Set(
      Object.values(examples[locale])
        .flat()
        .map((t) => t.toLowerCase()),
    );
    expect(phrases.filter((h) => trained.has(h.text.toLowerCase()))).toEqual([]);
  });

  it('are recognised with at least 95% accuracy', async () => {
    const misses: string[] = [];
    for (const { text, intent } of phrases) {
      const got = await recognizer.recognize(text, locale);
      if (got.intent !== intent) misses.push(`${text} → ${got.intent} (${got.score.toFixed(2)}), want ${intent}`);
    }
    const accuracy = (phrases.length - misses.length) / phrases.length;
    console.log(`held-out accuracy (${locale}): ${(accuracy * 100).toFixed(1)}% (${phrases.length - misses.length}/${phrases.length})`);
    if (misses.length) console.log(`misses:\n  ${misses.join('\n  ')}`);
    expect(accuracy).toBeGreaterThanOrEqual(0.95);
  });

  it('never read out-of-scope text as a command that throws progress away', async () => {
    const outOfScope = phrases.filter((h) => h.intent === 'none');
    expect(outOfScope.length).toBeGreaterThanOrEqual(20);
    for (const { text } of outOfScope) {
      expect(['cancel', 'menu'], text).not.toContain((await recognizer.recognize(text, locale)).intent);
    }
  });
});

describe('text that is data, not a request', () => {
  const data = [
    '1714307103',
    '0926687856001',
    '482913',
    '5/3',
    '12/05/1980',
    '5 de marzo',
    'el 14 de febrero',
    'juan perez',
    'maria fernanda lopez',
    'a',
    'x',
    '👍',
    '🙏🙏',
    '...',
    '?',
    '09-8765-4321',
    'V1234I5678',
  ];
  it.each(data)('"%s" is none', async (text) => {
    expect((await recognizer.recognize(text, 'es-EC')).intent).toBe('none');
  });

  it('numbers, codes and dates are none in English too', async () => {
    for (const text of ['1714307103', '123456', '5/3', 'john smith']) {
      expect((await recognizer.recognize(text, 'en')).intent, text).toBe('none');
    }
  });

  it('mostly digits or fewer than two letters skips the model', () => {
    expect(looksLikeData('1714307103')).toBe(true);
    expect(looksLikeData('5/3')).toBe(true);
    expect(looksLikeData('cod 123456')).toBe(true);
    expect(looksLikeData('🙂')).toBe(true);
    expect(looksLikeData('si')).toBe(false);
    expect(looksLikeData('5 de marzo')).toBe(false); // left to the model's none examples
  });
});

describe('Spanish as people type it', () => {
  it.each([
    ['olvide mi clave', 'recover_key'],
    ['porfa ayudenme con la clave', 'recover_key'],
    ['chuta no me llega el codigo', 'code_not_received'],
    ['quiero hablar con alguien', 'talk_to_agent'],
    ['siiii', 'affirm'],
    ['nooo', 'deny'],
    ['holaaa', 'greeting'],
    ['CANCELAR', 'cancel'],
    ['   menu   ', 'menu'],
    ['Olvidé mi contraseña', 'recover_key'],
  ])('"%s" → %s', async (text, intent) => {
    const got = await recognizer.recognize(text, 'es-EC');
    expect(got.intent).toBe(intent);
    expect(got.score).toBeGreaterThanOrEqual(0.5);
  });

  it('undoes stretched letters but keeps real double letters', () => {
    expect(unstretch('graciass buenass')).toBe('gracias buenas');
    expect(unstretch('thanks all, still need it', 'en')).toBe('thanks all, still need it');
    expect(unstretch('siiii')).toBe('si');
    expect(unstretch('holaa ayudaa')).toBe('hola ayuda');
    expect(unstretch('noo')).toBe('no');
    expect(unstretch('llamar al iess y al biess')).toBe('llamar al iess y al biess');
    expect(unstretch('perro coordinar')).toBe('perro coordinar');
  });
});

describe('English', () => {
  it.each([
    ['I forgot my password', 'recover_key'],
    ['my code never arrived', 'code_not_received'],
    ['I want to speak with a person', 'talk_to_agent'],
    ['hello there', 'greeting'],
    ['thank you so much', 'thanks'],
    ['yes please', 'affirm'],
    ['no way', 'deny'],
    ['my biess password', 'faq_biess'],
  ])('"%s" → %s', async (text, intent) => {
    expect((await recognizer.recognize(text, 'en')).intent).toBe(intent);
  });
});

describe('scores for every intent', () => {
  it('ranks all intents, best first, the first being the answer', async () => {
    const got = await recognizer.recognize('se me olvido la clave, quiero hablar con una persona', 'es-EC');
    expect(got.ranking.map((r) => r.intent).sort()).toEqual([...INTENTS].sort());
    expect(got.ranking[0]).toEqual({ intent: got.intent, score: got.score });
    const scores = got.ranking.map((r) => r.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    // Both requests are in the message: the two leading readings are those two.
    expect(
      got.ranking
        .slice(0, 2)
        .map((r) => r.intent)
        .sort(),
    ).toEqual(['recover_key', 'talk_to_agent']);
  });

  it('data gets none with score 1 and every other intent 0', async () => {
    const got = await recognizer.recognize('1714307103', 'es-EC');
    expect(got.ranking[0]).toEqual({ intent: 'none', score: 1 });
    expect(got.ranking.slice(1).every((r) => r.score === 0)).toBe(true);
  });
});

describe('language of a message', () => {
  it.each([
    ['hello, I forgot my password', 'en'],
    ['i dont have access to that email anymore', 'en'],
    ['can I talk to a person please', 'en'],
    ['se me olvido la clave', 'es-EC'],
    ['quiero hablar con una persona', 'es-EC'],
    ['buenas tardes disculpe la molestia', 'es-EC'],
  ])('"%s" is %s, surely', (text, locale) => {
    const guess = recognizer.language(text);
    expect(guess?.locale).toBe(locale);
    expect(guess!.score).toBeGreaterThanOrEqual(0.9);
  });

  it.each(['ok', 'si', 'no', '1714307103', '15/03', '👍'])('"%s" is too short or data to tell', (text) => {
    expect(recognizer.language(text)).toBeUndefined();
  });
});

describe('any input', () => {
  it('gives a known intent and a score between 0 and 1, never an error', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ maxLength: 400, unit: 'grapheme' }),
        fc.constantFrom('es-EC' as const, 'en' as const),
        async (text, locale) => {
          const got = await recognizer.recognize(text, locale);
          expect(INTENTS).toContain(got.intent);
          expect(got.score).toBeGreaterThanOrEqual(0);
          expect(got.score).toBeLessThanOrEqual(1);
          const guess = recognizer.language(text);
          expect(guess === undefined || (guess.score >= 0.5 && guess.score <= 1), JSON.stringify(guess)).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });

  // Training takes seconds alone and far longer on a busy machine: a wider limit, no timing goal.
  it('trains a second, independent recognizer from a given folder', { timeout: 120_000 }, async () => {
    const own = await IntentRecognizer.train(localesDir);
    expect(own).not.toBe(recognizer);
    expect((await own.recognize('clave patronal', 'es-EC')).intent).toBe('employer_key');
  });

  it('answers a message seen before as it did the first time, per language', async () => {
    const first = {
      es: await recognizer.recognize('quiero hablar con alguien', 'es-EC'),
      en: await recognizer.recognize('quiero hablar con alguien', 'en'),
    };
    expect(first.es.intent).toBe('talk_to_agent');
    expect(await recognizer.recognize('quiero hablar con alguien', 'es-EC')).toEqual(first.es);
    // The English model reads the same words as its own: a remembered Spanish answer must not leak.
    expect(await recognizer.recognize('quiero hablar con alguien', 'en')).toEqual(first.en);
    const fresh = await IntentRecognizer.train(localesDir);
    expect(await fresh.recognize('quiero hablar con alguien', 'en')).toEqual(first.en);
  }, 120_000);
});
