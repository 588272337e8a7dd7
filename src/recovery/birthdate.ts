import type { Parsed } from './identity';
import type { DayMonth } from './types';
import { fold } from '../understanding/text';

export type DayMonthError = 'format' | 'invalid_date';

/** Month names and abbreviations, Spanish and English, folded. */
export const MONTHS: ReadonlyMap<string, number> = new Map<string, number>(
  Object.entries({
    ene: 1,
    enero: 1,
    jan: 1,
    january: 1,
    feb: 2,
    febrero: 2,
    february: 2,
    mar: 3,
    marzo: 3,
    march: 3,
    abr: 4,
    abril: 4,
    apr: 4,
    april: 4,
    may: 5,
    mayo: 5,
    jun: 6,
    junio: 6,
    june: 6,
    jul: 7,
    julio: 7,
    july: 7,
    ago: 8,
    agosto: 8,
    aug: 8,
    august: 8,
    sep: 9,
    sept: 9,
    septiembre: 9,
    setiembre: 9,
    september: 9,
    oct: 10,
    octubre: 10,
    october: 10,
    nov: 11,
    noviembre: 11,
    november: 11,
    dic: 12,
    diciembre: 12,
    dec: 12,
    december: 12,
  }),
);

/** Words people put around a date: "nací el 5 de marzo del 85", "born on the 5th of march". */
const FILLER = new Set(['de', 'del', 'el', 'en', 'naci', 'of', 'the', 'on', 'born']);

const FORMAT = { ok: false, reason: 'format' } as const;
const INVALID = { ok: false, reason: 'invalid_date' } as const;

/** Without a year, 29 February is a real birthday; with one, the year decides. */
export function checkedDate(day: number, month: number, year?: number): Parsed<DayMonth, DayMonthError> {
  if (year !== undefined && (year < 1900 || year > new Date().getUTCFullYear())) return INVALID;
  if (month < 1 || month > 12 || day < 1) return INVALID;
  const daysInMonth = new Date(Date.UTC(year ?? 2000, month, 0)).getUTCDate();
  return day <= daysInMonth ? { ok: true, value: { day, month } } : INVALID;
}

/** Two-digit years ("5/3/85") are accepted but not checked. */
const fullYear = (digits: string | undefined) => (digits?.length === 4 ? Number(digits) : undefined);

/**
 * Day and month of birth as people type them: "5/3", "05-03-1985", "5 de marzo",
 * "marzo 5", "5 marzo 1985", "march 5". Numeric forms are day first, as in Ecuador.
 */
export function parseDayMonth(text: string): Parsed<DayMonth, DayMonthError> {
  if (text.length > 60) return FORMAT;
  const clean = fold(text)
    .trim()
    .replace(/[.,!]+$/, '');

  const iso = /^(\d{4})[/.-](\d{1,2})[/.-](\d{1,2})$/.exec(clean);
  if (iso) return checkedDate(Number(iso[3]), Number(iso[2]), Number(iso[1]));

  const numeric = /^(\d{1,2})\s*[/.\s-]\s*(\d{1,2})(?:\s*[/.\s-]\s*(\d{4}|\d{2}))?$/.exec(clean);
  if (numeric) return checkedDate(Number(numeric[1]), Number(numeric[2]), fullYear(numeric[3]));

  const words = clean
    .replace(/(\d)(?:st|nd|rd|th)\b/g, '$1')
    .replace(/(\d)(\p{L})/gu, '$1 $2')
    .replace(/(\p{L})(\d)/gu, '$1 $2')
    .split(/[\s,/.-]+/)
    .filter((w) => w && !FILLER.has(w));
  const months = words.filter((w) => MONTHS.has(w));
  const numbers = words.filter((w) => !MONTHS.has(w));
  if (months.length !== 1 || !numbers.every((n) => /^\d+$/.test(n))) return FORMAT;

  const month = MONTHS.get(months[0])!;
  const [first, second] = numbers;
  const isDay = (n: string | undefined) => n !== undefined && n.length <= 2;
  const isYear = (n: string | undefined) => n !== undefined && (n.length === 2 || n.length === 4);
  if (numbers.length === 1 && isDay(first)) return checkedDate(Number(first), month);
  if (numbers.length === 2 && isDay(first) && isYear(second)) return checkedDate(Number(first), month, fullYear(second));
  if (numbers.length === 2 && first.length === 4 && isDay(second)) return checkedDate(Number(second), month, Number(first));
  return FORMAT;
}
