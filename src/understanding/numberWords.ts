/**
 * Numbers written in words, as people write a year: "mil novecientos setenta y ocho",
 * "setenta y ocho", "dos mil diez", "nineteen seventy-eight", "two thousand ten".
 */
export const NUMBER_WORDS: ReadonlyMap<string, number> = new Map<string, number>(
  Object.entries({
    cero: 0,
    un: 1,
    uno: 1,
    una: 1,
    dos: 2,
    tres: 3,
    cuatro: 4,
    cinco: 5,
    seis: 6,
    siete: 7,
    ocho: 8,
    nueve: 9,
    diez: 10,
    once: 11,
    doce: 12,
    trece: 13,
    catorce: 14,
    quince: 15,
    dieciseis: 16,
    diecisiete: 17,
    dieciocho: 18,
    diecinueve: 19,
    veinte: 20,
    veintiuno: 21,
    veintiun: 21,
    veintidos: 22,
    veintitres: 23,
    veinticuatro: 24,
    veinticinco: 25,
    veintiseis: 26,
    veintisiete: 27,
    veintiocho: 28,
    veintinueve: 29,
    treinta: 30,
    cuarenta: 40,
    cincuenta: 50,
    sesenta: 60,
    setenta: 70,
    ochenta: 80,
    noventa: 90,
    cien: 100,
    ciento: 100,
    doscientos: 200,
    trescientos: 300,
    cuatrocientos: 400,
    quinientos: 500,
    seiscientos: 600,
    setecientos: 700,
    ochocientos: 800,
    novecientos: 900,
    zero: 0,
    one: 1,
    two: 2,
    three: 3,
    four: 4,
    five: 5,
    six: 6,
    seven: 7,
    eight: 8,
    nine: 9,
    ten: 10,
    eleven: 11,
    twelve: 12,
    thirteen: 13,
    fourteen: 14,
    fifteen: 15,
    sixteen: 16,
    seventeen: 17,
    eighteen: 18,
    nineteen: 19,
    twenty: 20,
    thirty: 30,
    forty: 40,
    fifty: 50,
    sixty: 60,
    seventy: 70,
    eighty: 80,
    ninety: 90,
  }),
);
const THOUSAND = new Set(['mil', 'thousand']);
const HUNDRED = 'hundred';
/** Words inside a number: "setenta y ocho", "two thousand and ten". */
const JOINERS = new Set(['y', 'and']);

const isNumberWord = (w: string) => NUMBER_WORDS.has(w) || THOUSAND.has(w) || w === HUNDRED;

/** The value of one run of number words, or undefined when it is not one number. */
function valueOf(run: readonly string[]): number | undefined {
  let total = 0;
  let current = 0;
  // English years come in pairs: "nineteen" + "seventy eight" is 1978, not 97.
  const pairs: number[] = [];
  for (const word of run) {
    if (THOUSAND.has(word)) {
      total += (current || 1) * 1000;
      current = 0;
    } else if (word === HUNDRED) current = (current || 1) * 100;
    else {
      const value = NUMBER_WORDS.get(word)!;
      if (current >= 10 && current < 100 && current % 10 === 0 && value < 10) current += value;
      else if (current > 0 && current < 100 && value >= 10 && value < 100 && total === 0) {
        pairs.push(current);
        current = value;
      } else current += value;
    }
  }
  if (pairs.length === 1 && total === 0) return pairs[0] * 100 + current;
  if (pairs.length) return undefined;
  return total + current;
}

/**
 * The words of a message with each run of number words replaced by its digits:
 * ["naci", "en", "mil", "novecientos", "setenta", "y", "ocho"] → ["naci", "en", "1978"].
 */
export function withNumberWords(tokens: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < tokens.length;) {
    if (!isNumberWord(tokens[i])) {
      out.push(tokens[i++]);
      continue;
    }
    let end = i + 1;
    while (end < tokens.length && (isNumberWord(tokens[end]) || (JOINERS.has(tokens[end]) && isNumberWord(tokens[end + 1] ?? '')))) end++;
    const value = valueOf(tokens.slice(i, end).filter((w) => !JOINERS.has(w)));
    if (value === undefined) out.push(...tokens.slice(i, end));
    else out.push(String(value));
    i = end;
  }
  return out;
}
