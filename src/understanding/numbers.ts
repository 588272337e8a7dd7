import { type CedulaError, type RucError, parseCedula, parseRuc } from '../recovery/identity';

/** The identity numbers a message holds, however they were typed. */
export interface FoundNumbers {
  /** Valid cédulas, in the order they were written (a correction's last one is the meant one). */
  cedulas: string[];
  /** Valid RUCs, in order. */
  rucs: string[];
  /** A long number that is neither, with the reason a cédula (10) or RUC (13) check gives. */
  invalid?: { digits: string; cedula: CedulaError; ruc: RucError };
}

/** Digit groups and what separates them: "171430710-3", "171430710 - 3", "1714 307 103", "17.14.30.71.03". */
const GROUP = /\d+/g;
/** One or two spaces, or one dot or dash (a phone may turn it into "–") with spaces around it. */
const JOINER = /^(?:\s{1,2}|\s{0,2}[.\-–—]\s{0,2})$/;
const MAX_GROUPS = 40;

interface Run {
  groups: string[];
}

/** Runs of digit groups separated only by spaces, dots or dashes. */
function runs(text: string): Run[] {
  const found: Run[] = [];
  let current: Run | undefined;
  let end = -1;
  let count = 0;
  for (const match of text.matchAll(GROUP)) {
    if (++count > MAX_GROUPS) break;
    const between = end >= 0 ? text.slice(end, match.index) : '';
    if (current && JOINER.test(between)) current.groups.push(match[0]);
    else found.push((current = { groups: [match[0]] }));
    end = match.index + match[0].length;
  }
  return found;
}

/**
 * Reads cédulas and RUCs anywhere in a message: "mi cedula es 1714307103", "es el
 * 171430710-3", "1714 307 103", "RUC 1760001550001". A run of groups that splits into a
 * valid number and something else ("1714307103 15 03") gives the number.
 */
export function findNumbers(text: string): FoundNumbers {
  const result: FoundNumbers = { cedulas: [], rucs: [] };
  for (const { groups } of runs(text.slice(0, 1000))) {
    let i = 0;
    let anyValid = false;
    while (i < groups.length) {
      let taken = 0;
      let digits = '';
      for (let j = i; j < groups.length && digits.length + groups[j].length <= 13; j++) {
        digits += groups[j];
        if (digits.length === 13 && parseRuc(digits).ok) {
          result.rucs.push(digits);
          taken = j - i + 1;
        } else if (digits.length === 10 && parseCedula(digits).ok && !groupsMakeRuc(groups, j + 1, digits)) {
          result.cedulas.push(digits);
          taken = j - i + 1;
        }
        if (taken) break;
      }
      if (taken) anyValid = true;
      i += taken || 1;
    }
    const all = groups.join('');
    if (!anyValid && all.length >= 8 && !result.invalid) {
      const cedula = parseCedula(all);
      const ruc = parseRuc(all);
      if (!cedula.ok && !ruc.ok) result.invalid = { digits: all, cedula: cedula.reason, ruc: ruc.reason };
    }
  }
  return result;
}

/** "1714307103 001" is one RUC, not a cédula and a stray number. */
function groupsMakeRuc(groups: string[], next: number, cedula: string): boolean {
  let digits = cedula;
  for (let j = next; j < groups.length && digits.length < 13; j++) digits += groups[j];
  return digits.length === 13 && parseRuc(digits).ok;
}
