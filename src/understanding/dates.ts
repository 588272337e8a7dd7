import { distance } from 'fastest-levenshtein';
import { MONTHS, checkedDate, parseDayMonth } from '../recovery/birthdate';
import type { DayMonth } from '../recovery/types';
import { NUMBER_WORDS } from './numberWords';
import { fold, words } from './text';

export type FoundDate = { ok: true; value: DayMonth } | { ok: false; reason: 'invalid_date' };

/** Days as people write them in words: "quince", "primero", "veintiuno", "treinta y uno" (joined below). */
const DAY_WORDS = new Map<string, number>([
  ...[...NUMBER_WORDS].filter(([word, value]) => value >= 1 && value <= 30 && word !== 'una'),
  ...Object.entries({ primero: 1, primer: 1, first: 1, second: 2, third: 3 }),
]);
/** Words between a day, its month and its year: "el 15 de marzo del 85", "the 15th of march", "8 d agosto" (a slip). */
const LINKS = new Set(['de', 'del', 'd', 'dl', 'el', 'of', 'the', 'on', 'en', 'y']);
const ORDINAL_AFTER_DIGITS = /\b(\d{1,2})(?:ro|ero|er|do|to|vo|no|mo|st|nd|rd|th|o|º|°)(?!\p{L})/gu;

/** "marzo", "mar", "mallo" (ll and y sound alike), and one slip in a long name ("marso", "febero", "setiembre"). */
function monthOf(word: string): number | undefined {
  const exact = MONTHS.get(word) ?? MONTHS.get(word.replace(/ll/g, 'y'));
  if (exact || word.length < 5) return exact;
  for (const [name, month] of MONTHS) if (name.length >= 5 && distance(name, word) <= 1) return month;
  return undefined;
}

/** Tokens with day words turned to digits and "treinta y uno" joined into one. */
function dayTokens(text: string): string[] {
  // "8de agosto": a day glued to the word after it.
  const tokens = words(text.replace(ORDINAL_AFTER_DIGITS, '$1').replace(/\b(\d{1,2})(del?)\b/g, '$1 $2'));
  const out: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const tens = { diez: 10, veinte: 20, treinta: 30 }[tokens[i]];
    const unit = DAY_WORDS.get(tokens[i + 2] ?? '');
    if (tens && tokens[i + 1] === 'y' && unit && unit < 10) {
      out.push(String(tens + unit));
      i += 2;
      continue;
    }
    const day = DAY_WORDS.get(tokens[i]);
    out.push(day ? String(day) : tokens[i]);
  }
  return out;
}

const isDay = (w: string | undefined) => w !== undefined && /^\d{1,2}$/.test(w);
const isYear = (w: string | undefined) => w !== undefined && /^(\d{2}|\d{4})$/.test(w);

function near(tokens: string[], from: number, step: 1 | -1, accept: (w: string) => boolean): string | undefined {
  for (let i = from + step, hops = 0; i >= 0 && i < tokens.length && hops < 3; i += step, hops++) {
    if (accept(tokens[i])) return tokens[i];
    if (!LINKS.has(tokens[i])) return undefined;
  }
  return undefined;
}

const NUMERIC = /(?<![\d/.-])(\d{1,2})\s?[/.-]\s?(\d{1,2})(?:\s?[/.-]\s?(\d{4}|\d{2}))?(?![\d/-])/;
const OF_MONTH = /(?<![\d/.-])(\d{1,2})\s+(?:de|del)\s+(\d{1,2})(?![\d/.-])/;
const PACKED = /(?<![\d\s.-])(\d{2})(\d{2})((?:19|20)\d{2})(?![\d\s.-])/;
const ISO = /(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)/;

/**
 * A day and month anywhere in a message: "15/03", "el 15 de marzo de 1985", "quince de marzo",
 * "primero de diciembre", "marzo 15", "naci el 5 de mayo". Undefined when there is none.
 */
export function findDate(text: string): FoundDate | undefined {
  const clean = fold(text.slice(0, 300));
  const whole = parseDayMonth(clean.trim().replace(/[.!?]+$/, ''));
  if (whole.ok) return whole;

  const tokens = dayTokens(clean);
  for (let m = 0; m < tokens.length; m++) {
    const month = monthOf(tokens[m]);
    if (!month) continue;
    const before = near(tokens, m, -1, isDay);
    const after = near(tokens, m, 1, (w) => isDay(w) || isYear(w));
    const day = before ?? (isDay(after) ? after : undefined);
    if (!day) continue;
    const yearAfter = before ? after : near(tokens, tokens.indexOf(day, m), 1, isYear);
    const year = yearAfter?.length === 4 ? Number(yearAfter) : undefined;
    return asFound(checkedDate(Number(day), month, year));
  }

  // "15 del 3", "5 de 03": a month by its number after "de".
  const ofMonth = OF_MONTH.exec(clean);
  if (ofMonth) return asFound(checkedDate(Number(ofMonth[1]), Number(ofMonth[2])));
  // "15031985": the day, month and year typed without separators.
  const packed = PACKED.exec(clean);
  if (packed && Number(packed[2]) <= 12 && Number(packed[1]) <= 31) {
    const parsed = checkedDate(Number(packed[1]), Number(packed[2]), Number(packed[3]));
    if (parsed.ok) return parsed;
  }

  const iso = ISO.exec(clean);
  if (iso) return asFound(checkedDate(Number(iso[3]), Number(iso[2]), Number(iso[1])));
  const numeric = NUMERIC.exec(clean);
  if (numeric) {
    const year = numeric[3]?.length === 4 ? Number(numeric[3]) : undefined;
    const [first, second] = [Number(numeric[1]), Number(numeric[2])];
    // Day first, as in Ecuador; "03/15/1980" can only be month first (as in the United States).
    const dayFirst = checkedDate(first, second, year);
    return asFound(!dayFirst.ok && first <= 12 && second > 12 ? checkedDate(second, first, year) : dayFirst);
  }
  return whole.reason === 'invalid_date' ? { ok: false, reason: 'invalid_date' } : undefined;
}

function asFound(parsed: ReturnType<typeof checkedDate>): FoundDate {
  return parsed.ok ? parsed : { ok: false, reason: 'invalid_date' };
}
