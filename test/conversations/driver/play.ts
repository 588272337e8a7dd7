import type { Chat } from '../../helpers/person';
import { type Person, factsOf, fill } from './person';
import { type Shown, USTED, saidOnlyIn, sayingsIn } from '../../helpers/sayings';

/**
 * What the bot asks, by the locale key of its question; a person's `answers` are keyed by
 * these names (or by a locale key itself, for a question not listed here).
 */
export const QUESTIONS: Record<string, string[]> = {
  menu: ['main:menu', 'main:menuAgain'],
  cedula: ['recovery:askCedula', 'understanding:otherFlowNo.employer'],
  birth: ['recovery:askBirth', 'recovery:askBirthAgain'],
  employer: ['questions:employer_worked'],
  year: ['questions:year_started'],
  ruc: ['recovery:askRuc', 'understanding:otherFlowNo.person'],
  representative: ['recovery:askRepresentative', 'recovery:askRepresentativeAgain'],
  razon_social: ['questions:razon_social'],
  sucursal: ['questions:sucursal'],
  /** Personal questions, answered by typing. */
  mother_name: ['questions:mother_name'],
  birth_city: ['questions:birth_city'],
  email_access: ['code:confirmEmail'],
  code: ['code:ask'],
  retry: ['recovery:retry'],
  help_offer: ['main:helpOffer'],
  handoff_offer: ['handoff:offer'],
  faq: ['faq:pick', 'faq:more'],
  /** "That number looks like a RUC: do you want the employer key?" (and the other way round). */
  other_flow: ['understanding:otherFlow.employer', 'understanding:otherFlow.person'],
  confirm_leave: ['understanding:confirmLeave'],
  /** "None of these" at a security question: try again, or a person. */
  dont_know: ['understanding:dontKnow', 'understanding:dontKnowTyped'],
  clarify: ['understanding:clarify'],
};

/** Questions that come back by design (the menu after a flow): never "asked twice". */
const RECURRING = new Set(['menu', 'faq']);

const OUTCOME_KEYS = {
  key_changed: ['common:keyChanged'],
  handoff: ['handoff:opened', 'handoff:openedFresh', 'handoff:openedExternal', 'handoff:closedNow'],
} as const;

export interface Turn {
  person: string;
  bot: string[];
}

export interface Played {
  turns: Turn[];
  later: string[];
  shown: Shown[];
  problems: string[];
}

function lastQuestion(messages: string[], answered: Set<string>): { name: string; key: string; options: string[] } | undefined {
  let best: { name: string; key: string; end: number; message: number } | undefined;
  messages.forEach((message, at) => {
    for (const s of sayingsIn(message)) {
      const name = Object.entries(QUESTIONS).find(([, keys]) => keys.includes(s.key))?.[0] ?? s.key;
      // A question is one of those above, or a locale key the person has an answer for.
      if (name === s.key && !answered.has(s.key)) continue;
      if (!best || at > best.message || (at === best.message && s.end > best.end)) best = { name, key: s.key, end: s.end, message: at };
    }
  });
  // A question none of the keys above names (a new one): the person's `otherwise` answers it.
  if (!best) {
    const at = messages.length - 1;
    if (at < 0 || !/\?|^\s*1\.\s/m.test(messages[at])) return undefined;
    best = { name: 'unknown', key: 'unknown', end: 0, message: at };
  }
  const options = [...messages[best.message].matchAll(/^\s*(\d{1,2})\.\s+(.+?)\s*$/gm)].map((m) => m[2].replace(/[*_]/g, ''));
  return { name: best.name, key: best.key, options };
}

const LINK = /https?:\/\/\S+\/clave\/nueva\S*/;

function linkToken(text: string): string | undefined {
  const url = LINK.exec(text)?.[0];
  if (!url) return undefined;
  const parsed = new URL(url.replace(/[).,]+$/, ''));
  return decodeURIComponent((parsed.hash.slice(1) || parsed.searchParams.get('t') || '').replace(/^t=/, ''));
}

/**
 * Plays one person on one chat: the opening messages, then an answer to each question the bot
 * asks (from the person's `answers`), following the link to the new-key page when it comes,
 * until the outcome the person came for is reached or they have nothing left to say.
 */
export async function play(person: Person, chat: Chat): Promise<Played> {
  const facts = factsOf(person.account);
  const turns: Turn[] = [];
  const problems: string[] = [];
  const asked = new Map<string, number>();
  const shownKeys = () =>
    turns
      .flatMap((t) => t.bot)
      .concat(chat.later())
      .flatMap(sayingsIn);
  const has = (keys: readonly string[]) => shownKeys().some((s) => keys.includes(s.key));
  const reached = () =>
    person.expect.outcome === 'guidance'
      ? person.expect.shown.every((k) => has([k])) && (person.expect.shownAny.length === 0 || has(person.expect.shownAny))
      : has(OUTCOME_KEYS[person.expect.outcome]);
  let keySet = false;
  let pending = await chat.opening();
  if (pending.length) turns.push({ person: '', bot: pending });

  const say = async (text: string) => {
    pending = await chat.say(text);
    turns.push({ person: text, bot: pending });
  };
  const followLink = async (messages: string[]) => {
    const token = messages.map(linkToken).find(Boolean);
    if (!token || keySet) return;
    keySet = true;
    const status = await chat.setKey(token, person.newKey);
    if (status !== 200) problems.push(`the new-key page answered ${status}`);
    else await chat.waitLater((t) => sayingsIn(t).some((s) => s.key === 'common:keyChanged'));
  };

  for (const text of person.opening) {
    await say(text);
    await followLink(pending);
  }
  const limit = person.expect.maxMessages;
  while (!reached()) {
    if (turns.filter((t) => t.person).length >= limit) {
      problems.push(`not done after ${limit} messages`);
      break;
    }
    const question = lastQuestion(pending, new Set(Object.keys(person.answers)));
    if (!question) {
      problems.push(`the bot asked nothing the person can answer; it said: «${pending.join(' / ')}»`);
      break;
    }
    const replies = person.answers[question.name] ?? person.answers[question.key] ?? (person.otherwise ? [person.otherwise] : undefined);
    const times = (asked.get(question.name) ?? 0) + 1;
    asked.set(question.name, times);
    if (!replies) {
      problems.push(`the bot asked «${question.name}» (${question.key}) and the person has no answer for it`);
      break;
    }
    const repeats = RECURRING.has(question.name) || !(person.answers[question.name] ?? person.answers[question.key]);
    if (times > replies.length && !repeats) {
      problems.push(`asked «${question.name}» ${times} times; the person had ${replies.length} answer(s) for it`);
      break;
    }
    const reply = replies[Math.min(times, replies.length) - 1];
    let text: string;
    try {
      const code = /\{code(:spaced)?\}/.test(reply) ? await chat.code(facts.email ?? '') : '';
      text = fill(reply, facts, question.key, question.options, () => code);
    } catch (error) {
      problems.push((error as Error).message);
      break;
    }
    await say(text);
    await followLink(pending);
  }
  if (reached()) for (const text of person.after) await say(text);
  return { turns, later: chat.later(), shown: shownKeys(), problems };
}

/** The outcome checks: what a support lead cares about, not the bot's exact sentences. */
export function verdict(person: Person, played: Played): string[] {
  const problems = [...played.problems];
  const keys = new Set(played.shown.map((s) => s.key));
  const expect = person.expect;
  if (expect.outcome !== 'guidance') {
    const wanted = OUTCOME_KEYS[expect.outcome];
    if (!wanted.some((k) => keys.has(k))) problems.push(`outcome ${expect.outcome} not reached (none of ${wanted.join(', ')} said)`);
  }
  for (const key of expect.shown) if (!keys.has(key)) problems.push(`never said ${key}`);
  if (expect.shownAny.length && !expect.shownAny.some((k) => keys.has(k))) problems.push(`said none of ${expect.shownAny.join(', ')}`);
  for (const key of expect.notShown) if (keys.has(key)) problems.push(`said ${key}, which it must not`);
  const written = played.turns.filter((t) => t.person).length;
  if (written > expect.maxMessages) problems.push(`needed ${written} messages, at most ${expect.maxMessages}`);
  // The language it ends in: the last bot message with a known saying tells it.
  const messages = played.turns.flatMap((t) => t.bot).concat(played.later);
  const lastSaid =
    messages
      .map(sayingsIn)
      .filter((s) => s.length)
      .at(-1) ?? [];
  const languageOf = (s: Shown) => (s.locale === USTED ? 'es-EC' : s.locale);
  if (lastSaid.length && !lastSaid.some((s) => languageOf(s) === expect.language)) {
    problems.push(`ended speaking ${languageOf(lastSaid[0])}, expected ${expect.language}`);
  }
  if (expect.ustedFrom !== undefined) problems.push(...notInUsted(played, expect.ustedFrom));
  return problems;
}

/** Every bot message from the person's message number `from` on (and every later one) is in usted. */
function notInUsted(played: Played, from: number): string[] {
  let written = 0;
  const checked: string[] = [];
  for (const turn of played.turns) {
    if (turn.person) written++;
    if (written >= from) checked.push(...turn.bot);
  }
  checked.push(...played.later);
  const problems = checked.flatMap((message) => {
    const tu = saidOnlyIn(message, 'es-EC');
    return tu.length ? [`said in tú (${tu.join(', ')}): «${message}»`] : [];
  });
  if (!checked.some((m) => saidOnlyIn(m, USTED).length)) problems.push(`said nothing in usted from message ${from} on`);
  return problems;
}

/** A transcript a person can read: what was written, what the bot answered. */
export function transcript(played: Played): string {
  const lines: string[] = [];
  for (const turn of played.turns) {
    if (turn.person) lines.push(`**persona:** ${turn.person}`);
    for (const message of turn.bot) lines.push(`> ${message.replace(/\n/g, '\n> ')}`, '');
  }
  if (played.later.length) lines.push('_(después)_', ...played.later.map((m) => `> ${m.replace(/\n/g, '\n> ')}`));
  return lines.join('\n');
}
