import { describe, expect, it } from 'vitest';
import { Texts, USTED, readLocaleFiles } from '../src/i18n';
import { startTestApp } from './helpers/app';

/**
 * Both registers are complete: the usted catalogue (locales/es-EC-x-usted) has every sentence
 * of the tú one (locales/es-EC), with the same {{placeholders}}, and neither slips into the
 * other. What people write (intent examples, synonyms, word lists) is kept once, in es-EC.
 */
const resources = readLocaleFiles();

/** Keys of what people write, not what the bot says: read from es-EC in both registers. */
const PEOPLES_WORDS = new Set([
  'synonyms',
  'numberWords',
  'ordinals',
  'last',
  'fillers',
  'dontKnowPhrases',
  'typedLeadIns',
  'languageNames',
  'cancelWords',
  'skipWords',
  'ustedPhrases',
  'tuPhrases',
]);

/** Every sentence of a catalogue by key ("ns:path", list items by index). */
function sentences(locale: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (node: unknown, path: string) => {
    if (typeof node === 'string') out.set(path, node);
    else if (node && typeof node === 'object')
      for (const [k, v] of Object.entries(node)) {
        if (PEOPLES_WORDS.has(k)) continue;
        walk(v, path.endsWith(':') ? `${path}${k}` : `${path}.${k}`);
      }
  };
  for (const [ns, tree] of Object.entries(resources[locale])) if (ns !== 'intents') walk(tree, `${ns}:`);
  return out;
}

const tu = sentences('es-EC');
const usted = sentences(USTED);

const placeholders = (s: string) => [...s.matchAll(/\{\{\s*([^}]+?)\s*\}\}/g)].map((m) => m[1]).sort();
/** Lower case, no accents, no placeholders: words can be compared with \b. */
const fold = (s: string) =>
  s
    .replace(/\{\{[^}]+\}\}/g, ' ')
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase();

/**
 * Forms that address the person as tú (accent-folded; whole words only). A bare imperative is
 * also a third person or usted's present («escribe», «recuerda», «usa»), so it counts only where
 * a command stands: at the start of a sentence.
 */
// prettier-ignore
const TU_FORMS = [
  'tu', 'tus', 'te', 'ti', 'contigo', 'tuyo', 'tuya',
  'tienes', 'puedes', 'quieres', 'necesitas', 'sabes', 'eres', 'vives', 'prefieres', 'recuperas', 'usas', 'has',
  'escribes', 'grabas', 'ingresas', 'llegas', 'pides', 'recibes', 'ves', 'estes',
  'tengas', 'puedas', 'quieras', 'necesites', 'uses', 'conozcas', 'compartas', 'envies', 'escribas', 'pagues', 'cambies', 'vuelvas',
  'podras', 'tendras', 'recibiras', 'veras',
  '\\w+aste', 'pediste', 'fuiste', 'saliste', 'abriste', 'perdiste', 'escribiste', 'recibiste', 'dijiste', 'viste', 'naciste',
  'escribeme', 'escribelo', 'escribela', 'escribelas', 'escribemelo', 'tocala', 'revisalo', 'intentalo',
  'cuentame', 'dime', 'acercate', 'haz', 'ten', 'fijate', 'respondeme', 'guardala',
  'espera (?:un|unos|\\d+)', 'vuelve a intentarlo', 'vuelve al chat', 'vuelve aqui',
  'ayudarte', 'atenderte', 'escribirte', 'enviarte', 'pedirte', 'mostrarte', 'explicarte', 'avisarte', 'pasarte', 'guiarte',
  'acompanarte', 'moverte', 'preocuparte',
  // Bare commands are also usted's present («si no recuerda», «cuando llama»): only at the start
  // of a sentence are they tú («Escribe tu cédula», «Ahora escribe el RUC», «Recuerda: …»).
  '(?<=^|[.!?:;¿¡]\\s*)(?:(?:ahora|entonces|luego|primero|antes),?\\s+)?(?:escribe|usa|pide|abre|crea|elige|toca|revisa|intenta|vuelve|llama|ingresa|agenda|confirma|recuerda|mezcla|pulsa|presiona|mira|comparte|recarga|activa|guarda)',
];

/** Forms that address the person as usted (not «vuelva», «tenga», «envíe»: folded, they are also «que vuelva», «envié»). */
// prettier-ignore
const USTED_FORMS = [
  'usted', 'ud',
  'escriba', 'escribame', 'escribalo', 'escribala', 'escribalas', 'escribamelo', 'elija', 'toque', 'toquela', 'revise', 'reviselo',
  'intente', 'intentelo', 'llame', 'pida', 'ingrese', 'agende', 'comparta', 'acerquese', 'recuerde', 'disculpe',
  'cuenteme', 'digame', 'confirme', 'mezcle', 'pulse', 'presione', 'haga', 'recargue', 'active', 'respondame', 'espere',
  'vuelva a intentarlo', 'tenga a mano',
  'le ayudo', 'le paso', 'le envie', 'le enviamos', 'le pedire', 'le explico', 'le muestro', 'le aviso', 'le atienda', 'le atiende',
];

const found = (forms: string[], sentence: string) => {
  const text = fold(sentence);
  return forms.filter((form) => new RegExp(`\\b${form.replace(/ /g, '\\s+')}\\b`).test(text));
};

describe('the two registers', () => {
  it('the usted catalogue has exactly the keys of the tú catalogue', () => {
    expect([...usted.keys()].sort()).toEqual([...tu.keys()].sort());
  });

  it('each usted sentence has the placeholders of its tú sentence', () => {
    const differ = [...tu].filter(([key, text]) => usted.has(key) && placeholders(usted.get(key)!).join() !== placeholders(text).join());
    expect(differ.map(([key]) => key)).toEqual([]);
  });

  it('each usted sentence shows what its tú sentence shows: numbers, emoji, bold, links, addresses, line breaks, quoted names', () => {
    // Catches an usted sentence left behind when its tú sentence changed (a new step, a new example).
    const shown = (text: string) =>
      [...text.replace(/\{\{[^}]+\}\}/g, ' ').matchAll(/\S+@\S+|\d+|\p{Extended_Pictographic}|\*\*|\]\(|\n/gu)].map((m) => m[0]).join(' ');
    const quoted = (text: string) => [...text.matchAll(/«[^»]*»/g)].map((m) => m[0]);
    const stale = [...usted].filter(([key, text]) => {
      const source = tu.get(key)!;
      // A quote that says tú («ayudarte») is reworded in usted; any other quote is a name to keep.
      const kept = quoted(source).filter((q) => found(TU_FORMS, q).length === 0);
      return shown(text) !== shown(source) || kept.some((q) => !text.includes(q));
    });
    expect(stale.map(([key]) => key)).toEqual([]);
  });

  it('no usted sentence says tú', () => {
    const slips = [...usted].map(([key, text]) => [key, found(TU_FORMS, text)] as const).filter(([, forms]) => forms.length);
    expect(slips).toEqual([]);
  });

  it('no tú sentence says usted', () => {
    const slips = [...tu].map(([key, text]) => [key, found(USTED_FORMS, text)] as const).filter(([, forms]) => forms.length);
    expect(slips).toEqual([]);
  });

  it('the markers would notice a tú sentence left in the usted catalogue', () => {
    // Every sentence the usted catalogue rewords shows a tú form in its tú version: the list is not blind.
    const reworded = [...tu].filter(([key, text]) => usted.get(key) !== text);
    expect(reworded.length).toBeGreaterThan(100);
    const unseen = reworded.filter(([, text]) => found(TU_FORMS, text).length === 0).map(([key]) => key);
    expect(unseen).toEqual([]);
  });

  it('TONE=usted reads Spanish from the usted catalogue, English stays as it is, and people’s words are shared', () => {
    const tuTexts = new Texts();
    const ustedTexts = new Texts(undefined, 'usted');
    expect(ustedTexts.t('es-EC', 'code:confirmEmail', { name: 'Ana', email: 'a@b.ec' })).toMatch(/¿Tiene acceso a este correo\?/);
    expect(ustedTexts.t('es-EC', 'code:wrong_other', { count: 3 })).toBe('Ese código no es correcto. Le quedan 3 intentos.');
    expect(ustedTexts.t('es-EC', 'code:wrong_one', { count: 1 })).toBe('Ese código no es correcto. Le queda 1 intento.');
    expect(tuTexts.t(USTED, 'recovery:askCedula')).toBe(ustedTexts.t('es-EC', 'recovery:askCedula'));
    expect(tuTexts.t('es-EC', 'recovery:askCedula')).toMatch(/^Escribe tu/);
    expect(ustedTexts.t('en', 'recovery:askCedula')).toBe(tuTexts.t('en', 'recovery:askCedula'));
    expect(ustedTexts.list('es-EC', 'common:synonyms.yes')).toEqual(tuTexts.list('es-EC', 'common:synonyms.yes'));
    expect(ustedTexts.list('es-EC', 'common:synonyms.yes').length).toBeGreaterThan(5);
    expect(ustedTexts.raw('es-EC', 'understanding:fillers')).toEqual(tuTexts.raw('es-EC', 'understanding:fillers'));
  });

  it('TONE=usted also makes the chat page and Web Chat’s own labels usted', async () => {
    const app = await startTestApp({ TONE: 'usted' });
    try {
      const html = await (await fetch(`${app.url}/chat`)).text();
      expect(html).toContain('Recupere su clave del IESS');
      expect(html).toContain('Usted dijo:');
      expect(html).not.toContain('Recupera tu clave');
    } finally {
      await app.close();
    }
  });
});
