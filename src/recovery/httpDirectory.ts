import { z } from 'zod';
import type { AccountDirectory, ChallengeQuestion, DayMonth, KeyOwnerFacts, Subject } from './types';
import { DirectoryUnavailableError, UnknownAccountError } from '../errors';

/**
 * The operator's identity API. The contract (src/recovery/README.md, "The identity API"):
 *   POST /accounts/lookup               {kind, number, representativeCedula?} → 200 {accountId} | 404
 *   POST /accounts/{id}/verify-birth    {day, month}  → 200 {match}
 *   GET  /accounts/{id}/questions                     → 200 {questions: [{id, textKey, options} | {id, textKey, kind: "typed"}]}
 *   POST /accounts/{id}/verify-answers  {answers}     → 200 {match}   (answers: option index, null for typed)
 *   POST /accounts/{id}/verify-typed-answer {questionId, answer} → 200 {match}
 *   GET  /accounts/{id}/contact                       → 200 {email, mailboxLost, firstName}
 *   GET  /accounts/{id}/key-owner                     → 200 {numbers, birthDate?}
 *   PUT  /accounts/{id}/key             {key}         → 204
 *   GET  /health                                      → 200
 * Every response is checked with zod; a 404 means "no such account".
 */

export interface HttpDirectoryOptions {
  /** DIRECTORY_URL, e.g. https://identidad.example.com/api */
  baseUrl: string;
  /** DIRECTORY_TOKEN, sent as a bearer token. */
  token?: string;
  /** DIRECTORY_TIMEOUT_MS, for the whole exchange including the body. */
  timeoutMs: number;
}

const lookupResponse = z.object({ accountId: z.string().min(1).max(200) });
const matchResponse = z.object({ match: z.boolean() });
const questionText = {
  id: z.string().min(1).max(64),
  // Only texts the assistant has: the question keys live in locales/<locale>/questions.json.
  textKey: z.string().regex(/^questions:[A-Za-z0-9_.]+$/),
  textVars: z.record(z.string(), z.string().max(200)).optional(),
};
const questionsResponse = z.object({
  questions: z
    .array(
      z.union([
        z.object({ ...questionText, kind: z.literal('typed') }),
        // Without a kind, a question is multiple choice (as before typed questions existed).
        z.object({
          ...questionText,
          kind: z.literal('choice').default('choice'),
          options: z.array(z.string().min(1).max(200)).min(2).max(8),
        }),
      ]),
    )
    .min(1)
    .max(10),
});
/** Longer than any name or city: a longer message is not an answer, and is not sent whole. */
const MAX_TYPED_ANSWER = 200;
const contactResponse = z.object({
  email: z.email(),
  mailboxLost: z.boolean(),
  firstName: z.string().min(1).max(100),
});
const keyOwnerResponse = z.object({
  // Cédulas and RUCs, or a foreigner's IESS identification code.
  numbers: z
    .array(z.string().regex(/^[A-Za-z0-9]{1,20}$/))
    .min(1)
    .max(4),
  birthDate: z.iso.date().optional(),
});
const noBody = z.unknown();

/** Marks a 404 where the caller decides what "not found" means. */
const NOT_FOUND = Symbol('not found');

interface Call<T> {
  operation: string;
  method: 'GET' | 'POST' | 'PUT';
  path: string;
  body?: unknown;
  schema: z.ZodType<T>;
}

export class HttpDirectory implements AccountDirectory {
  private readonly baseUrl: string;

  constructor(private readonly options: HttpDirectoryOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
  }

  async findAccount(subject: Subject): Promise<string | undefined> {
    const body =
      subject.kind === 'person'
        ? { kind: 'person', number: subject.cedula }
        : { kind: 'employer', number: subject.ruc, representativeCedula: subject.representativeCedula };
    const result = await this.call({ operation: 'lookup', method: 'POST', path: '/accounts/lookup', body, schema: lookupResponse });
    return result === NOT_FOUND ? undefined : result.accountId;
  }

  async birthMatches(accountId: string, birth: DayMonth): Promise<boolean> {
    return this.matches(accountId, 'verify-birth', { day: birth.day, month: birth.month });
  }

  async questions(accountId: string): Promise<ChallengeQuestion[]> {
    return (await this.ofAccount(accountId, 'questions', 'GET', questionsResponse)).questions;
  }

  async answersMatch(accountId: string, answers: Array<number | null>): Promise<boolean> {
    return this.matches(accountId, 'verify-answers', { answers });
  }

  async typedAnswerMatches(accountId: string, questionId: string, answer: string): Promise<boolean> {
    return this.matches(accountId, 'verify-typed-answer', { questionId, answer: answer.slice(0, MAX_TYPED_ANSWER) });
  }

  async contact(accountId: string): Promise<{ email: string; mailboxLost: boolean; firstName: string }> {
    return this.ofAccount(accountId, 'contact', 'GET', contactResponse);
  }

  async keyOwnerFacts(accountId: string): Promise<KeyOwnerFacts> {
    return this.ofAccount(accountId, 'key-owner', 'GET', keyOwnerResponse);
  }

  async setKey(accountId: string, newKey: string): Promise<void> {
    await this.ofAccount(accountId, 'key', 'PUT', noBody, { key: newKey }, 'set-key');
  }

  async ready(): Promise<boolean> {
    try {
      await this.call({ operation: 'health', method: 'GET', path: '/health', schema: noBody });
      return true;
    } catch {
      return false;
    }
  }

  /** `<verb> /accounts/{id}/<what>`: a 404 means the account does not exist. */
  private async ofAccount<T>(
    accountId: string,
    what: string,
    method: Call<T>['method'],
    schema: z.ZodType<T>,
    body?: unknown,
    operation = what,
  ): Promise<T> {
    const result = await this.call({ operation, method, path: `${accountPath(accountId)}/${what}`, body, schema });
    if (result === NOT_FOUND) throw new UnknownAccountError();
    return result;
  }

  /** `POST /accounts/{id}/verify-…`: a 404 is no match, as for any unknown account. */
  private async matches(accountId: string, operation: string, body: unknown): Promise<boolean> {
    const result = await this.call({
      operation,
      method: 'POST',
      path: `${accountPath(accountId)}/${operation}`,
      body,
      schema: matchResponse,
    });
    return result !== NOT_FOUND && result.match;
  }

  /** One request; anything but a 2xx with a valid body (or a 404) becomes DirectoryUnavailableError. */
  private async call<T>({ operation, method, path, body, schema }: Call<T>): Promise<T | typeof NOT_FOUND> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.options.token) headers.authorization = `Bearer ${this.options.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const fail = (reason: string) => new DirectoryUnavailableError(operation, reason);
    try {
      const response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.options.timeoutMs),
        redirect: 'error',
      });
      const text = await response.text();
      if (response.status === 404) return NOT_FOUND;
      if (!response.ok) throw fail(`HTTP ${response.status}`);
      if (schema === noBody) return undefined as T;
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        throw fail('response is not JSON');
      }
      const parsed = schema.safeParse(json);
      // Issue paths only: the body may hold personal data.
      if (!parsed.success) throw fail(`malformed response at ${parsed.error.issues.map((i) => i.path.join('.') || '(root)').join(', ')}`);
      return parsed.data;
    } catch (err) {
      if (err instanceof DirectoryUnavailableError) throw err;
      const name = (err as Error)?.name;
      if (name === 'TimeoutError') throw fail(`no answer within ${this.options.timeoutMs} ms`);
      if (name === 'AbortError') throw fail('aborted');
      const code = ((err as { cause?: { code?: unknown } })?.cause?.code as string | undefined) ?? name;
      throw fail(`network error (${code})`);
    }
  }
}

/** Ids are opaque: always encoded, never trusted as a path. */
const accountPath = (accountId: string) => `/accounts/${encodeURIComponent(accountId)}`;
