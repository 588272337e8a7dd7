/**
 * The one place that decides what of a person's data may be kept: every writer (the Direct
 * Line log, handoff transcripts, the dialogs' own summaries) masks with these functions
 * before anything is stored.
 */

/** What the answer to a question is, when the answer itself is secret. */
export type SecretAnswer = 'number' | 'birth' | 'answer' | 'code';

/**
 * Every question the assistant asks carries, in its channelData under this name, what its
 * answer is ('open' when nothing about it is secret), so each writer knows how to keep the
 * person's next message.
 */
export const ANSWER_MARK = 'answerIs';

/** The question an outgoing activity asks: undefined when it asks none. */
export function questionAsked(activity: { channelData?: unknown }): { answer?: SecretAnswer } | undefined {
  const mark = (activity.channelData as Record<string, unknown> | undefined)?.[ANSWER_MARK];
  if (mark === 'open') return {};
  return mark === 'number' || mark === 'birth' || mark === 'answer' || mark === 'code' ? { answer: mark } : undefined;
}

/**
 * An agent's message carries this mark in its channelData: a person of the team wrote it, so
 * every writer keeps it as a person's words (masked in full), and the transcript records it once.
 */
export const AGENT_MARK = 'handoffAgent';

/** True for an activity a person of the team wrote (see AGENT_MARK). */
export function writtenByAgent(activity: { channelData?: unknown }): boolean {
  return !!(activity.channelData as Record<string, unknown> | undefined)?.[AGENT_MARK];
}

/** What stands for a value hidden whole: the same length whatever was hidden. */
export const HIDDEN = '•••••';

/**
 * Mailbox providers so common that their name tells nobody who the person is, and tells the
 * person which mailbox to open: shown whole. Any other domain (a company's, an institution's)
 * is masked but for its first letter and its ending.
 */
const PUBLIC_PROVIDERS = new Set([
  'gmail.com',
  'googlemail.com',
  'hotmail.com',
  'hotmail.es',
  'outlook.com',
  'outlook.es',
  'live.com',
  'msn.com',
  'yahoo.com',
  'yahoo.es',
  'ymail.com',
  'icloud.com',
  'me.com',
  'protonmail.com',
  'proton.me',
  // Ecuador's long-standing internet providers (CNT's former Andinatel, Cuenca's ETAPA).
  'andinanet.net',
  'etapanet.net',
]);

/** Second-level labels of country endings: "empresa.com.ec" ends in "com.ec", not ".ec". */
const SECOND_LEVEL = new Set(['com', 'net', 'org', 'edu', 'gob', 'gov', 'mil', 'fin', 'med', 'pro', 'info', 'co', 'ac']);

/**
 * What stands for hidden letters in an email: a fixed run (it does not tell how many), and a
 * character no channel reads as formatting (stars and underscores fight Markdown and WhatsApp).
 */
const DOTS = '•••';

/** A private domain keeps its first letter and its ending: "empresa.com.ec" → "e•••.com.ec". */
function maskDomain(domain: string): string {
  const lower = domain.toLowerCase();
  if (PUBLIC_PROVIDERS.has(lower)) return lower;
  const labels = lower.split('.');
  if (labels.length < 2 || labels.some((l) => l === '')) return `${lower.slice(0, 1)}${DOTS}`;
  const endingLength = labels.length > 2 && labels.at(-1)!.length === 2 && SECOND_LEVEL.has(labels.at(-2)!) ? 2 : 1;
  const ending = labels.slice(-endingLength).join('.');
  return `${labels[0].slice(0, 1)}${DOTS}.${ending}`;
}

/**
 * Enough of an email to recognise the mailbox, not to read it: the first letters, and the
 * domain whole when it is a big provider: "maria.andrade@gmail.com" → "ma•••@gmail.com",
 * "juan.perez@empresa.com.ec" → "ju•••@e•••.com.ec".
 */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 1) return DOTS;
  const local = email.slice(0, at);
  const keep = local.length > 4 ? 2 : local.length > 1 ? 1 : 0;
  // Only letters and digits are shown: a "_" or "*" would turn into formatting on the channel.
  const shown = /^[\p{L}\p{N}]*/u.exec(local.slice(0, keep))![0];
  const domain = email.slice(at + 1);
  return `${shown}${DOTS}@${domain ? maskDomain(domain) : DOTS}`;
}

/** Only the last digits of a cédula or RUC: "1714307103" → "*******103". */
export function maskNumber(digits: string, visible = 3): string {
  // Short input is hidden whole: showing its last digits would show all of it.
  const shown = visible > 0 && digits.length > visible ? digits.slice(-visible) : '';
  return '*'.repeat(digits.length - shown.length) + shown;
}

// Letters and digits in any script: a token ends where neither follows.
const NOT_BEFORE = '(?<![\\p{L}\\p{N}])';
const NOT_AFTER = '(?![\\p{L}\\p{N}])';

const URL_FRAGMENT_OR_QUERY = /(https?:\/\/[^\s#?]+)[?#]\S*/giu;
const EMAIL = /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+/gu;
/** "mi clave es Quito2024", "password: abc": the word after is a key, whatever it looks like. */
const KEY_AFTER_WORD = new RegExp(
  `${NOT_BEFORE}((?:clave|contrase[ñn]a|password|key)(?:\\s+(?:nueva|new|actual))?\\s*(?:es|ser[ií]a|is|:|=)\\s*)(\\S+)`,
  'giu',
);
/** Long random strings (link tokens, ids) and key-like words: letters and digits mixed. */
const MIXED_TOKEN = new RegExp(`${NOT_BEFORE}[\\p{L}\\p{N}_-]{6,}${NOT_AFTER}`, 'gu');
const MONTH_NAMES =
  'enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre|diciembre|' +
  'january|february|march|april|june|july|august|september|october|november|december';
const MONTH_SHORT = 'ene|jan|feb|mar|abr|apr|may|jun|jul|ago|aug|sep|sept|oct|nov|dic|dec';
const DAY = '\\d{1,2}(?:st|nd|rd|th|ro|º|°)?';
const YEAR = '(?:\\s*(?:,|de|del|of)?\\s*\\d{2,4})';
/** "15 de marzo de 1988", "el quince de marzo", "March 15th, 1988": a month name and what is around it. */
const DATE_IN_WORDS = new RegExp(
  `(?:${NOT_BEFORE}[\\p{L}\\p{N}]+\\s+(?:de\\s+|of\\s+|the\\s+)?)?${NOT_BEFORE}(?:${MONTH_NAMES})${NOT_AFTER}(?:\\s+(?:the\\s+)?${DAY}${NOT_AFTER})?${YEAR}?`,
  'giu',
);
/** Short month names only count next to a number ("5 mar", "mar 5"): "may" and "mar" are words too. */
const DATE_SHORT_MONTH = new RegExp(
  `${NOT_BEFORE}(?:${DAY}\\s+(?:de\\s+)?(?:${MONTH_SHORT})\\.?${NOT_AFTER}${YEAR}?|(?:${MONTH_SHORT})\\.?\\s+${DAY}${NOT_AFTER}${YEAR}?)`,
  'giu',
);
/** "15/03", "15-03-1988", "1988-03-15". */
const DATE_IN_DIGITS = new RegExp(
  `${NOT_BEFORE}(?:\\d{4}\\s*[/.-]\\s*\\d{1,2}\\s*[/.-]\\s*\\d{1,2}|\\d{1,2}\\s*[/.-]\\s*\\d{1,2}(?:\\s*[/.-]\\s*\\d{2,4})?)${NOT_AFTER}`,
  'gu',
);
/** Digits with spaces, dots or dashes between them: a code, a cédula, a RUC, a phone number. */
const DIGIT_RUN = /\d(?:[ .-]?\d)+/g;
const DATE_MASK = '••/••';

const hasLetterAndDigit = (s: string) => /\p{N}/u.test(s) && /\p{L}/u.test(s);

/** A long number keeps its last three digits, as the agents' summary and search show it: "•••••••103". */
function maskLongNumber(digits: string): string {
  return `${'•'.repeat(digits.length - 3)}${digits.slice(-3)}`;
}

/**
 * A message as it may be kept. Whatever the question, links lose their fragment and query,
 * emails are masked, keys and long random strings hidden, dates hidden, six-digit runs (codes)
 * hidden and longer ones (cédulas, RUCs, phones) shortened to their ends. When the message
 * answers a secret question (`answer`), a challenge answer is hidden whole, and every digit
 * of a birth date or a code.
 */
export function maskText(text: string, answer?: SecretAnswer): string {
  if (answer === 'answer') return text.trim() ? HIDDEN : text;
  const masked = text
    .replace(URL_FRAGMENT_OR_QUERY, `$1#${HIDDEN}`)
    .replace(EMAIL, (email) => maskEmail(email))
    .replace(KEY_AFTER_WORD, (_all, lead: string) => `${lead}${HIDDEN}`)
    .replace(MIXED_TOKEN, (token) => (hasLetterAndDigit(token) ? HIDDEN : token))
    .replace(DATE_IN_WORDS, DATE_MASK)
    .replace(DATE_SHORT_MONTH, DATE_MASK)
    .replace(DATE_IN_DIGITS, DATE_MASK)
    .replace(DIGIT_RUN, (run) => {
      const digits = run.replace(/\D/g, '');
      if (answer === 'code' || digits.length === 6) return '•'.repeat(Math.max(digits.length, 6));
      return digits.length >= 7 ? maskLongNumber(digits) : run;
    });
  // A birth date may come in pieces ("el 15, del 3"): every digit goes; words stay ("quiero un asesor").
  return answer === 'birth' ? masked.replace(/\d/g, '•') : masked;
}

/** Random strings long enough to be a link token or an id. */
const LONG_RANDOM = /[A-Za-z0-9_-]{20,}/g;

/**
 * What the assistant itself said, as it may be kept. It never repeats a person's number,
 * date, code or key (its examples, "5 de marzo" or "123456", stay readable); what it sends
 * that is secret is a link's token.
 */
export function maskSent(text: string): string {
  // Most sentences hold neither a link nor an email: the two searches are skipped for them.
  const withoutLinks = text.includes('://') ? text.replace(URL_FRAGMENT_OR_QUERY, `$1#${HIDDEN}`) : text;
  const withoutEmails = withoutLinks.includes('@') ? withoutLinks.replace(EMAIL, (email) => maskEmail(email)) : withoutLinks;
  return withoutEmails.replace(LONG_RANDOM, (token) => (hasLetterAndDigit(token) ? HIDDEN : token));
}

/** An option list as a writer sees it: buttons (suggested actions) or a numbered list in the text. */
export interface PromptShape {
  text?: string;
  suggestedActions?: { actions?: Array<{ title?: string; value?: unknown; text?: string; displayText?: string }> };
}

const NUMBERED_OPTION = /^(\s*\d{1,2}[.)]\s+).+$/gmu;

/**
 * A challenge question as it may be kept once asked: the question without its options, which
 * together with the person's choice would be the answer.
 */
export function maskOptions<T extends PromptShape>(prompt: T): T {
  const actions = prompt.suggestedActions?.actions;
  return {
    ...prompt,
    text: prompt.text === undefined ? undefined : prompt.text.replace(NUMBERED_OPTION, `$1${HIDDEN}`),
    suggestedActions: actions
      ? {
          ...prompt.suggestedActions,
          actions: actions.map((action) => ({ ...action, title: HIDDEN, value: HIDDEN, text: undefined, displayText: undefined })),
        }
      : prompt.suggestedActions,
  };
}
