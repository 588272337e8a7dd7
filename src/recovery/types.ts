/** Contracts between the conversation and the recovery services. No botbuilder here. */

export type AccountKind = 'person' | 'employer';

/** Who is trying to recover a key: numbers are already validated and normalised. */
export type Subject = { kind: 'person'; cedula: string } | { kind: 'employer'; ruc: string; representativeCedula: string };

export interface DayMonth {
  day: number;
  month: number;
}

interface QuestionText {
  id: string;
  /** Locale key of the question text, e.g. "questions:employer". */
  textKey: string;
  textVars?: Record<string, string>;
}

/**
 * A security question. `choice`: the answer is one of `options`, by index (the work history,
 * an employer's data). `typed`: a personal question whose answer the person types ("¿Cuál es
 * el nombre de tu madre?"); only the directory compares it, and it is kept nowhere.
 */
export type ChallengeQuestion = (QuestionText & { kind: 'choice'; options: string[] }) | (QuestionText & { kind: 'typed' });
export type ChoiceQuestion = Extract<ChallengeQuestion, { kind: 'choice' }>;

/**
 * One answer as the identity check receives it: the chosen option's index, or for a typed
 * question whether the directory found it right when it was typed (the text itself is
 * sent to the directory in that turn and never kept).
 */
export type ChallengeAnswer = number | { typedRight: boolean };

export interface VerifiedAccount {
  kind: AccountKind;
  /** Opaque id the directory understands (never shown, never logged). */
  accountId: string;
  email: string;
  /** The directory knows this mailbox no longer receives mail. */
  mailboxLost: boolean;
  firstName: string;
}

/** What a new key must not be made of: the holder's own numbers and birth date. Read only to check a key, never stored. */
export interface KeyOwnerFacts {
  /** Cédula; for employers the RUC and the legal representative's cédula. */
  numbers: string[];
  /** YYYY-MM-DD, when the directory knows it. */
  birthDate?: string;
}

/** The operator's source of truth about accounts. */
export interface AccountDirectory {
  /** Account id for a number, or undefined when not registered. */
  findAccount(subject: Subject): Promise<string | undefined>;
  birthMatches(accountId: string, birth: DayMonth): Promise<boolean>;
  /** The real questions for an account; the correct option is known only to the directory. */
  questions(accountId: string): Promise<ChallengeQuestion[]>;
  /** answers[i] is the chosen option index for questions[i]; null where questions[i] is typed. */
  answersMatch(accountId: string, answers: Array<number | null>): Promise<boolean>;
  /**
   * Whether a typed answer is the one on file for this account's question, compared without
   * case, accents, spaces or punctuation (and with one slip in long answers): see typedAnswer.ts.
   */
  typedAnswerMatches(accountId: string, questionId: string, answer: string): Promise<boolean>;
  contact(accountId: string): Promise<{ email: string; mailboxLost: boolean; firstName: string }>;
  /** Read when a new key is checked (src/recovery/keyRule.ts), so nothing personal travels in the link. */
  keyOwnerFacts(accountId: string): Promise<KeyOwnerFacts>;
  setKey(accountId: string, newKey: string): Promise<void>;
  ready(): Promise<boolean>;
}

/**
 * Identity check over the directory. Unknown numbers get decoy questions of the same
 * shape (derived from a keyed hash, stable per number) and the same failure: the
 * conversation never reveals whether a number is registered.
 */
export interface IdentityCheck {
  questions(subject: Subject): Promise<ChallengeQuestion[]>;
  /**
   * Checks a typed answer in the turn it is typed, so its text never has to be kept until
   * `verify`; the result is only worth anything inside `verify`, which never says which part failed.
   */
  checkTyped(subject: Subject, questionId: string, answer: string): Promise<boolean>;
  /** The account when birth day/month (persons) and every answer match; otherwise undefined. */
  verify(subject: Subject, birth: DayMonth | undefined, answers: ChallengeAnswer[]): Promise<VerifiedAccount | undefined>;
}

export type SendCodeResult =
  /** `delivery` settles after the reply: true once the mail server took the email, false if it failed. */
  | { status: 'sent'; expiresInMinutes: number; delivery: Promise<boolean> }
  | { status: 'wait'; seconds: number }
  | { status: 'limit' }
  /** The account's wrong codes for the day are spent (CODE_FAILURES_PER_DAY). */
  | { status: 'dailyLimit' };

export type VerifyCodeResult = { status: 'ok' } | { status: 'wrong'; triesLeft: number } | { status: 'expired' } | { status: 'dailyLimit' };

/** Emailed codes: 6 digits, keyed hash at rest, short life, few tries, single use. */
export interface CodeService {
  /** Starts sending a new code (killing any earlier one) to the account's email. */
  send(account: VerifiedAccount, locale: string): Promise<SendCodeResult>;
  verify(account: VerifiedAccount, code: string): Promise<VerifyCodeResult>;
  /** Waits (bounded) for emails still being sent; true when none is left. */
  drain(timeoutMs: number): Promise<boolean>;
}

/** Where a proactive message goes once the key has changed (a channel conversation reference, as JSON). */
export interface ResetLinkData {
  kind: AccountKind;
  accountId: string;
  locale: string;
  /** Serialised botbuilder ConversationReference, so the chat can be told the key changed. */
  conversation: unknown;
}

/** One-time links to the new-key page: 32 random bytes, hashed at rest, single use. */
export interface ResetLinkService {
  create(data: ResetLinkData): Promise<string>;
  /** The link's data without using it up (to render the page). */
  peek(token: string): Promise<ResetLinkData | undefined>;
  /** Uses the link up: a second call returns undefined. */
  consume(token: string): Promise<ResetLinkData | undefined>;
}

export interface Mailer {
  sendCode(to: string, code: string, locale: string, minutes: number): Promise<void>;
  sendKeyChanged(to: string, locale: string): Promise<void>;
}
