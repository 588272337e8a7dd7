/** Ecuadorian identity numbers, by the rules in FACTS.md. */

export type CedulaError = 'empty' | 'non_digits' | 'length' | 'province' | 'third_digit' | 'check_digit';
export type RucError = CedulaError | 'establishment';
export type Parsed<T, E> = { ok: true; value: T } | { ok: false; reason: E };

/** People type numbers with spaces, dots and dashes; anything else is not a number. */
function normalise(text: string): Parsed<string, 'empty' | 'non_digits'> {
  const trimmed = text.trim();
  if (!trimmed) return { ok: false, reason: 'empty' };
  if (!/^[\d\s.-]+$/.test(trimmed)) return { ok: false, reason: 'non_digits' };
  const digits = trimmed.replace(/[\s.-]/g, '');
  return digits ? { ok: true, value: digits } : { ok: false, reason: 'empty' };
}

/** 01–24 provinces, 30 for Ecuadorians registered abroad, 50 seen for foreigners. */
function validProvince(digits: string): boolean {
  const province = Number(digits.slice(0, 2));
  return (province >= 1 && province <= 24) || province === 30 || province === 50;
}

/** Módulo 10 check digit over the first nine digits. */
export function cedulaCheckDigit(nineDigits: string): number {
  const sum = [...nineDigits].reduce((acc, d, i) => {
    const product = Number(d) * (i % 2 === 0 ? 2 : 1);
    return acc + (product > 9 ? product - 9 : product);
  }, 0);
  return (10 - (sum % 10)) % 10;
}

function checkCedula(digits: string): Parsed<string, CedulaError> {
  if (digits.length !== 10) return { ok: false, reason: 'length' };
  if (!validProvince(digits)) return { ok: false, reason: 'province' };
  if (Number(digits[2]) > 6) return { ok: false, reason: 'third_digit' };
  if (cedulaCheckDigit(digits.slice(0, 9)) !== Number(digits[9])) return { ok: false, reason: 'check_digit' };
  return { ok: true, value: digits };
}

export function isValidCedula(digits: string): boolean {
  return /^\d{10}$/.test(digits) && checkCedula(digits).ok;
}

export function parseCedula(text: string): Parsed<string, CedulaError> {
  const number = normalise(text);
  return number.ok ? checkCedula(number.value) : number;
}

function modulo11(digits: string, weights: number[]): number {
  const sum = weights.reduce((acc, w, i) => acc + w * Number(digits[i]), 0);
  const rest = sum % 11;
  return rest === 0 ? 0 : 11 - rest;
}

export function parseRuc(text: string): Parsed<string, RucError> {
  const number = normalise(text);
  if (!number.ok) return number;
  const ruc = number.value;
  if (ruc.length !== 13) return { ok: false, reason: 'length' };
  if (!validProvince(ruc)) return { ok: false, reason: 'province' };
  const third = Number(ruc[2]);
  if (third < 6) {
    const person = checkCedula(ruc.slice(0, 10));
    if (!person.ok) return person;
    return ruc.endsWith('000') ? { ok: false, reason: 'establishment' } : { ok: true, value: ruc };
  }
  if (third === 6) {
    if (modulo11(ruc, [3, 2, 7, 6, 5, 4, 3, 2]) === Number(ruc[8])) {
      return ruc.endsWith('0000') ? { ok: false, reason: 'establishment' } : { ok: true, value: ruc };
    }
    // Real cédulas with a 6 exist (0962467429), so a natural person's RUC can start like a public one.
    if (!checkCedula(ruc.slice(0, 10)).ok) return { ok: false, reason: 'check_digit' };
    return ruc.endsWith('000') ? { ok: false, reason: 'establishment' } : { ok: true, value: ruc };
  }
  if (third === 9) {
    // Registered companies exist whose RUC fails módulo 11: the directory decides, not this check.
    return ruc.endsWith('000') ? { ok: false, reason: 'establishment' } : { ok: true, value: ruc };
  }
  return { ok: false, reason: 'third_digit' };
}
