import type { Parsed } from './identity';
import type { DayMonth } from './types';

export type DayMonthError = 'format' | 'invalid_date';

const MONTHS: Record<string, number> = {
  ene: 1, enero: 1, jan: 1, january: 1,
  feb: 2, febrero: 2, february: 2,
  mar: 3, marzo: 3, march: 3,
  abr: 4, abril: 4, apr: 4, april: 4,
  may: 5, mayo: 5,
  jun: 6, junio: 6, june: 6,
  jul: 7, julio: 7, july: 7,
  ago: 8, agosto: 8, aug: 8, august: 8,
  sep: 9, sept: 9, septiembre: 9, setiembre: 9, september: 9,
  oct: 10, octubre: 10, october: 10,
  nov: 11, noviembre: 11, november: 11,
  dic: 12, diciembre: 12, dec: 12, december: 12,
};

const fold = (text: string) => text.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().trim();

function validDate(day: number, month: number, year?: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  // Without a year, 29 February is a real birthday.
  const days = new Date(Date.UTC(year ?? 2000, month, 0)).getUTCDate();
  return day <= days;
}

function result(day: number, month: number, year?: number): Parsed<DayMonth, DayMonthError> {
  if (year !== undefined && (year < 1900 || year > 2100)) return { ok: false, reason: 'invalid_date' };
  return validDate(day, month, year) ? { ok: true, value: { day, month } } : { ok: false, reason: 'invalid_date' };
}

/**
 * Day and month of birth as people type them: "5/3", "05-03-1985", "5 de marzo",
 * "marzo 5", "5 marzo 1985", "march 5". Numeric forms are day first, as in Ecuador.
 */
export function parseDayMonth(text: string): Parsed<DayMonth, DayMonthError> {
  const clean = fold(text).replace(/[.,]$/, '');
  if (clean.length > 40) return { ok: false, reason: 'format' };

  const numeric = /^(\d{1,2})\s*[/\-.\s]\s*(\d{1,2})(?:\s*[/\-.\s]\s*(\d{4}|\d{2}))?$/.exec(clean);
  if (numeric) {
    const year = numeric[3]?.length === 4 ? Number(numeric[3]) : undefined;
    return result(Number(numeric[1]), Number(numeric[2]), year);
  }

  const words = clean.replace(/\b(de|del|of|the)\b/g, ' ').replace(/(\d)(st|nd|rd|th)\b/g, '$1').split(/[\s,/\-]+/).filter(Boolean);
  const monthAt = words.findIndex((w) => MONTHS[w] !== undefined);
  if (monthAt < 0) return { ok: false, reason: 'format' };
  const numbers = words.filter((_, i) => i !== monthAt);
  if (numbers.length < 1 || numbers.length > 2 || !numbers.every((n) => /^\d{1,4}$/.test(n))) return { ok: false, reason: 'format' };
  const [first, second] = numbers.map(Number);
  const dayFirst = numbers[0].length <= 2;
  const day = dayFirst ? first : second;
  const year = numbers.length === 2 ? (dayFirst ? second : first) : undefined;
  if (day === undefined || (year !== undefined && String(year).length !== 4)) return { ok: false, reason: 'format' };
  return result(day, MONTHS[words[monthAt]], year);
}
