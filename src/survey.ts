import type { Activity, StatePropertyAccessor, TurnContext } from 'botbuilder';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { type Locale, type Texts, pickLocale } from './i18n';
import type { Metrics } from './metrics';
import type { KeyValueStore } from './store/keyValue';
import { maskText } from './recovery/mask';
import type { Choice } from './understanding/choices';
import { fold } from './understanding/text';

/**
 * Which conversation end is rated: an agent's service ('handoff') or a key recovered by the
 * assistant alone ('recovery'). Each has its texts (`<flow>:survey.*`), its kept answers
 * (`<flow>:surveys:<day>`) and its label in /metrics.
 */
export type SurveyFlow = 'handoff' | 'recovery';

/** What is rated: the ticket and its agent after a handoff; nothing that names anyone after a recovery. */
export interface SurveySubject {
  /** Joins a rating and its comment: the ticket after a handoff, a random id after a recovery. */
  id: string;
  agent?: string;
  channel: string;
}

/** What the conversation remembers while the person answers (in its own state: no extra store trip per turn). */
export interface PendingSurvey extends SurveySubject {
  stage: 'rating' | 'comment';
  at: number;
}

/** One answer as kept for the supervisor and /metrics (the comment arrives as a second record). */
const resultSchema = z.object({
  id: z.string(),
  agent: z.string().optional(),
  channel: z.string(),
  at: z.number(),
  rating: z.number().int().min(1).max(5).optional(),
  comment: z.string().optional(),
});
export type SurveyResult = z.infer<typeof resultSchema>;

export interface Satisfaction {
  responses: number;
  /** 1–5, undefined with no responses. */
  average?: number;
  /** How many answered 1, 2, 3, 4, 5. */
  distribution: [number, number, number, number, number];
  comments: number;
}

export interface SatisfactionReport {
  overall: Satisfaction;
  byAgent: Record<string, Satisfaction>;
}

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const MAX_COMMENT = 500;

/** Shows a question with options as the channel shows choices (buttons, or a numbered list). */
export type ChoiceRenderer = (channelId: string, text: string, choices: Choice[]) => Partial<Activity>;

export interface SurveyDeps {
  flow: SurveyFlow;
  store: KeyValueStore;
  texts: Texts;
  metrics: Metrics;
  pending: StatePropertyAccessor<PendingSurvey | undefined>;
  renderChoices: ChoiceRenderer;
  /** How long answers are kept (TRANSCRIPT_TTL_SECONDS). */
  keepMs: number;
  /** How long the person may take to answer (the conversation's life). */
  answerMs: number;
  defaultLocale: Locale;
  now: () => number;
}

/**
 * The one-tap satisfaction survey at the end of a conversation (an agent closed it, or the
 * key was changed): a rating 1–5, then an optional comment. Answers go to a list per day on
 * the shared store, which the supervisor view reads, and to one histogram in /metrics,
 * labelled by flow (and by agent after a handoff).
 */
export class Survey {
  constructor(private readonly deps: SurveyDeps) {}

  private t(locale: Locale, key: string, vars?: Record<string, unknown>) {
    return this.deps.texts.t(locale, `${this.deps.flow}:survey.${key}`, vars);
  }

  private options(locale: Locale) {
    return this.deps.texts.list(locale, `${this.deps.flow}:survey.options`).map((label, i) => ({ value: String(i + 1), label }));
  }

  /**
   * Asks the rating (inside a turn of the person's conversation); `vars` fill the question
   * (the agent's name). Without a subject, the answers carry only a random id and the channel.
   */
  async ask(
    context: TurnContext,
    subject: SurveySubject | { channel: string },
    options: { vars?: Record<string, unknown>; locale?: Locale } = {},
  ): Promise<void> {
    const locale = options.locale ?? pickLocale(context.activity.locale, this.deps.defaultLocale);
    const survey: SurveySubject = 'id' in subject ? subject : { id: randomUUID(), channel: subject.channel };
    await this.deps.pending.set(context, { ...survey, stage: 'rating', at: this.deps.now() });
    await context.sendActivity(
      this.deps.renderChoices(context.activity.channelId, this.t(locale, 'ask', options.vars), this.options(locale)),
    );
  }

  /**
   * The person's message while a survey is pending: 'done' when it was the last answer,
   * 'taken' when it was an answer and more is asked, 'none' when it was something else
   * (the survey is dropped and the message goes on to the bot).
   */
  async handle(context: TurnContext): Promise<'done' | 'taken' | 'none'> {
    const pending = await this.deps.pending.get(context);
    if (!pending) return 'none';
    const locale = pickLocale(context.activity.locale, this.deps.defaultLocale);
    const text = (context.activity.text ?? '').trim();
    if (this.deps.now() - pending.at > this.deps.answerMs) {
      await this.deps.pending.delete(context);
      return 'none';
    }
    if (pending.stage === 'rating') {
      const rating = this.rating(locale, text);
      if (!rating) {
        await this.deps.pending.delete(context);
        return 'none';
      }
      await this.record({ id: pending.id, agent: pending.agent, channel: pending.channel, at: this.deps.now(), rating });
      this.deps.metrics.satisfaction.observe(
        pending.agent ? { flow: this.deps.flow, agent: pending.agent } : { flow: this.deps.flow },
        rating,
      );
      await this.deps.pending.set(context, { ...pending, stage: 'comment', at: this.deps.now() });
      const skip = this.t(locale, 'skip');
      await context.sendActivity(
        this.deps.renderChoices(context.activity.channelId, this.t(locale, 'askComment'), [{ value: 'skip', label: skip }]),
      );
      return 'taken';
    }
    await this.deps.pending.delete(context);
    // "Omitir" (or "1", its number in a list channel) or a word like "no" skips the comment.
    const skipWords = [this.t(locale, 'skip'), '1', ...this.deps.texts.list(locale, `${this.deps.flow}:survey.skipWords`)];
    const skipped = skipWords.some((w) => folded(w) === folded(text));
    if (!skipped && text) {
      const comment = maskText(text).slice(0, MAX_COMMENT);
      await this.record({ id: pending.id, agent: pending.agent, channel: pending.channel, at: this.deps.now(), comment });
    }
    await context.sendActivity(this.t(locale, 'thanks'));
    return 'done';
  }

  /** "5", "5 estrellas", "Excelente": the rating, or undefined. */
  private rating(locale: Locale, text: string): number | undefined {
    const digit = /^\s*([1-5])(?!\d)/.exec(text);
    if (digit) return Number(digit[1]);
    const index = this.options(locale).findIndex((o) => folded(o.label) === folded(text));
    return index >= 0 ? index + 1 : undefined;
  }

  private dayKey(at: number): string {
    return `${this.deps.flow}:surveys:${new Date(at).toISOString().slice(0, 10)}`;
  }

  private async record(result: SurveyResult): Promise<void> {
    // Without a ticket, the hour is all that is kept of when: an exact time could be matched
    // with the logs of the key change and so name the person.
    const kept = result.agent ? result : { ...result, at: result.at - (result.at % HOUR_MS) };
    await this.deps.store.append(this.dayKey(result.at), JSON.stringify(kept), this.deps.keepMs + DAY_MS);
  }

  /** Every answer kept (TRANSCRIPT_TTL_SECONDS), a comment merged with its rating. */
  async results(): Promise<SurveyResult[]> {
    const days = Math.ceil(this.deps.keepMs / DAY_MS);
    const lists = await Promise.all(
      Array.from({ length: days + 1 }, (_, d) => this.deps.store.range(this.dayKey(this.deps.now() - d * DAY_MS))),
    );
    const byId = new Map<string, SurveyResult>();
    for (const raw of lists.flat()) {
      let parsed: SurveyResult | undefined;
      try {
        const r = resultSchema.safeParse(JSON.parse(raw));
        parsed = r.success ? r.data : undefined;
      } catch {
        parsed = undefined;
      }
      if (!parsed || this.deps.now() - parsed.at > this.deps.keepMs) continue;
      byId.set(parsed.id, { ...byId.get(parsed.id), ...parsed });
    }
    return [...byId.values()].filter((r) => r.rating !== undefined);
  }

  async report(): Promise<SatisfactionReport> {
    const results = await this.results();
    const byAgent: Record<string, SurveyResult[]> = {};
    for (const r of results) if (r.agent) (byAgent[r.agent] ??= []).push(r);
    return {
      overall: summarise(results),
      byAgent: Object.fromEntries(Object.entries(byAgent).map(([agent, rs]) => [agent, summarise(rs)])),
    };
  }
}

export function summarise(results: SurveyResult[]): Satisfaction {
  const distribution: Satisfaction['distribution'] = [0, 0, 0, 0, 0];
  let sum = 0;
  for (const r of results) {
    distribution[r.rating! - 1] += 1;
    sum += r.rating!;
  }
  return {
    responses: results.length,
    average: results.length ? Math.round((sum / results.length) * 100) / 100 : undefined,
    distribution,
    comments: results.filter((r) => r.comment).length,
  };
}

const folded = (s: string) =>
  fold(s)
    .replace(/[^\p{L}\p{N} ]/gu, '')
    .trim();
