import type { StatePropertyAccessor, TurnContext } from 'botbuilder';
import type { ProgressReader } from './progress';
import type { KeyValueStore } from '../store/keyValue';
import { localDay } from './history';

/**
 * How far each recovery gets, for the supervisor: the steps the assistant already notes for
 * every conversation (the question being asked, the failures, the code verified, the key
 * changed) become anonymous counts per day and channel on the shared store. Nothing about
 * the person is kept: a step name and a reason key.
 */

/** Where a step stands in the recovery; the furthest one reached is where a conversation "ended". */
export const FUNNEL_RANK: Record<string, number> = {
  'main.menu': 0,
  'lostEmail.topic': 1,
  'person.cedula': 1,
  'employer.ruc': 1,
  'person.birth': 2,
  'employer.representative': 2,
  'questions.answer': 3,
  'emailCode.confirm': 4,
  'emailCode.code': 5,
  code_verified: 6,
  key_changed: 7,
};
/** The identity check fails after the questions: its "no match" belongs to that step. */
const FAILURE_STEP: Record<string, string> = { identity: 'questions.answer' };

/** What the conversation remembers (in its own state) to count each thing once. */
export interface Journey {
  day: string;
  channel: string;
  reached: string[];
  /** The furthest step and why the person is (or stayed) there: a failure reason, "handoff" or "none". */
  stage?: string;
  reason: string;
  failuresSeen: number;
}

export interface FunnelDay {
  day: string;
  channel: string;
  reached: Record<string, number>;
  /** step → reason → conversations that ended there for that reason. */
  ended: Record<string, Record<string, number>>;
}

export interface FunnelDeps {
  store: KeyValueStore;
  journey: StatePropertyAccessor<Journey | undefined>;
  progress: ProgressReader;
  /** How many days of counts are kept and shown. */
  days: number;
  timeZone: string;
  now: () => number;
}

const DAY_MS = 86_400_000;

export class Funnel {
  constructor(private readonly deps: FunnelDeps) {}

  private key(day: string): string {
    return `handoff:funnel:${day}`;
  }

  /**
   * After the bot spoke in a turn: counts a step reached for the first time, and moves the
   * conversation's "ended here" count when its furthest step or the reason changed.
   * `milestone` is a step the dialogs do not ask (the code verified, the key changed).
   */
  async observe(context: TurnContext, milestone?: string, handedOff = false): Promise<void> {
    const channel = context.activity.channelId ?? 'unknown';
    const progress = await this.deps.progress.get(context);
    const journey = (await this.deps.journey.get(context)) ?? {
      day: localDay(this.deps.now(), this.deps.timeZone),
      channel,
      reached: [],
      reason: 'none',
      failuresSeen: 0,
    };
    const before = { stage: journey.stage, reason: journey.reason };
    const counts: Array<[string, number]> = [];

    for (const step of [progress.step, milestone].filter((s): s is string => !!s)) {
      if (!journey.reached.includes(step)) {
        journey.reached.push(step);
        counts.push([`reached|${channel}|${step}`, 1]);
      }
      const rank = FUNNEL_RANK[step];
      if (rank !== undefined && (journey.stage === undefined || rank >= FUNNEL_RANK[journey.stage]) && step !== journey.stage) {
        journey.stage = step;
        journey.reason = 'none';
      }
    }
    for (const failure of progress.failures.slice(journey.failuresSeen)) {
      if ((FAILURE_STEP[failure.step] ?? failure.step) === journey.stage) journey.reason = failure.reason;
    }
    // Progress keeps the last few failures only: remember how many were read.
    journey.failuresSeen = progress.failures.length;
    if (handedOff) journey.reason = 'handoff';

    if (journey.stage !== before.stage || journey.reason !== before.reason) {
      if (before.stage) counts.push([`ended|${channel}|${before.stage}|${before.reason}`, -1]);
      if (journey.stage) counts.push([`ended|${channel}|${journey.stage}|${journey.reason}`, 1]);
    }
    await this.deps.journey.set(context, journey);
    const ttl = (this.deps.days + 1) * DAY_MS;
    await Promise.all(counts.map(([field, by]) => this.deps.store.increment(this.key(journey.day), field, by, ttl)));
  }

  /** The counts of the last `days` days, one entry per day and channel, oldest first. */
  async report(): Promise<FunnelDay[]> {
    const days = Array.from({ length: this.deps.days }, (_, i) => localDay(this.deps.now() - i * DAY_MS, this.deps.timeZone)).reverse();
    const all = await Promise.all(days.map((day) => this.deps.store.counts(this.key(day))));
    const result: FunnelDay[] = [];
    days.forEach((day, i) => {
      const byChannel = new Map<string, FunnelDay>();
      const entry = (channel: string) => {
        if (!byChannel.has(channel)) byChannel.set(channel, { day, channel, reached: {}, ended: {} });
        return byChannel.get(channel)!;
      };
      for (const [field, n] of Object.entries(all[i])) {
        const [kind, channel, step, reason] = field.split('|');
        if (kind === 'reached') entry(channel).reached[step] = n;
        else if (kind === 'ended' && n > 0) (entry(channel).ended[step] ??= {})[reason] = n;
      }
      result.push(...byChannel.values());
    });
    return result;
  }
}
