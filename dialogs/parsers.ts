import { parseCedula, parseRuc } from '../src/recovery/identity';
import { parseDayMonth } from '../src/recovery/birthdate';
import { parseCode } from '../src/recovery/textChecks';
import type { DayMonth } from '../src/recovery/types';
import type { AskParse } from './ask';

/** Reasons become locale keys under `reasons:` so the user learns what was wrong. */
export const cedula: AskParse<string> = ({ text }) => {
  const r = parseCedula(text);
  return r.ok ? r : { ok: false, reason: `cedula_${r.reason}` };
};

export const ruc: AskParse<string> = ({ text }) => {
  const r = parseRuc(text);
  return r.ok ? r : { ok: false, reason: `ruc_${r.reason}` };
};

export const birth: AskParse<DayMonth> = ({ text }) => {
  const r = parseDayMonth(text);
  return r.ok ? r : { ok: false, reason: `birth_${r.reason}` };
};

export const yesNo: AskParse<boolean> = async ({ option, intent }) => {
  if (option) return { ok: true, value: option.value === 'yes' };
  const { intent: name } = await intent();
  if (name === 'affirm') return { ok: true, value: true };
  if (name === 'deny') return { ok: true, value: false };
  return { ok: false, reason: 'yes_no' };
};

/** Picks one of the offered options, by number, words or synonyms. */
export const option: AskParse<string> = ({ option }) =>
  option ? { ok: true, value: option.value } : { ok: false, reason: 'option' };

export type CodeAnswer = { code: string } | { action: 'resend' | 'not_received' };

export const code: AskParse<CodeAnswer> = async ({ text, option, intent }) => {
  const typed = parseCode(text);
  if (typed) return { ok: true, value: { code: typed } };
  if (option) return { ok: true, value: { action: option.value as 'resend' | 'not_received' } };
  if ((await intent()).intent === 'code_not_received') return { ok: true, value: { action: 'not_received' } };
  return { ok: false, reason: /\d/.test(text) ? 'code_digits' : 'code' };
};
