/**
 * What may be kept of a chat message for agents: no emailed code, no link token, no full
 * cédula or RUC. Digit runs (spaces, dots and dashes allowed between digits) are judged by
 * length: 6 digits look like a code and are hidden whole; 7 or more (cédula, RUC, phone)
 * keep only their last 3 digits. Link fragments and long random strings are hidden.
 */

const DIGIT_RUN = /\d(?:[ .-]?\d)+/g;
const URL_FRAGMENT_OR_QUERY = /(https?:\/\/[^\s#?]+)[?#][^\s]*/gi;
const LONG_RANDOM = /\b[A-Za-z0-9_-]{20,}\b/g;

export function maskDigits(digits: string, keep = 3): string {
  return '•'.repeat(Math.max(0, digits.length - keep)) + digits.slice(-keep);
}

export function redactText(text: string): string {
  return text
    .replace(URL_FRAGMENT_OR_QUERY, '$1#[oculto]')
    .replace(LONG_RANDOM, (s) => (/\d/.test(s) && /[A-Za-z]/.test(s) ? '[oculto]' : s))
    .replace(DIGIT_RUN, (run) => {
      const digits = run.replace(/\D/g, '');
      if (digits.length === 6) return '••••••';
      if (digits.length >= 7) return maskDigits(digits);
      return run;
    });
}
