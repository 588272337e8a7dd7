import type { Activity } from 'botbuilder';
import { Sealer } from '../../sealing';
import { z } from 'zod';
import { type SecretAnswer, maskOptions, maskSent, maskText, writtenByAgent } from '../../recovery/mask';
import type { KeyValueStore } from '../../store/keyValue';
import { DIRECTLINE_CHANNEL_ID } from './channel';

/** A conversation as the Direct Line server knows it. */
export interface ConversationInfo {
  userId: string;
  locale?: string;
}

/** What one conversation's channel carries between instances. */
export type StreamMessage =
  | { kind: 'activity'; index: number; activity: Partial<Activity> }
  | { kind: 'typing'; activity: Partial<Activity> }
  | { kind: 'socket'; owner: string };

export interface ActivityPage {
  activities: Partial<Activity>[];
  /** The index of the next activity: what the client sends back as `watermark`. */
  watermark: number;
}

/**
 * How long an activity the bot sent with a secret in it (a new-key link) waits, sealed, for
 * its one delivery as sent; a page that reconnects within it still gets the link once.
 */
const SEALED_TTL_MS = 15 * 60_000;
/** Marks a kept activity whose version as sent waits sealed; never shown to the page. */
const SEALED = 'sealed';

/** A page of the log is bounded so that one GET stays small; the client asks again. */
export const MAX_ACTIVITIES_PER_PAGE = 100;

/**
 * The question the bot asked last: what its answer is when secret, and, for a challenge
 * question, where it lies in the log and how it is kept once answered (without its options).
 */
export interface Asked {
  answer?: SecretAnswer;
  index: number;
  answered?: Partial<Activity>;
}

const infoSchema = z.object({ userId: z.string(), locale: z.string().optional() });
const askedSchema = z.object({
  answer: z.enum(['number', 'birth', 'answer', 'code']).optional(),
  index: z.number().int().min(0),
  answered: z.record(z.string(), z.unknown()).optional(),
});
const streamMessageSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('activity'), index: z.number().int().min(0), activity: z.record(z.string(), z.unknown()) }),
  z.object({ kind: z.literal('typing'), activity: z.record(z.string(), z.unknown()) }),
  z.object({ kind: z.literal('socket'), owner: z.string() }),
]);

/** Activity ids carry their place in the log, as Azure's do (`conversation|0000007`). */
export function activityId(conversationId: string, index: number): string {
  return `${conversationId}|${String(index).padStart(7, '0')}`;
}

/** Text an activity shows, masked wherever it lies (the text, what is spoken, a card's text blocks). */
function maskedWith<T>(value: T, mask: (text: string) => string): T {
  if (Array.isArray(value)) return value.map((item: unknown) => maskedWith(item, mask)) as T;
  // Only plain objects hold text; a Date (the timestamp) stays as it is.
  if (!value || typeof value !== 'object' || Object.getPrototypeOf(value) !== Object.prototype) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] = (key === 'text' || key === 'speak') && typeof item === 'string' ? mask(item) : maskedWith(item, mask);
  }
  return out as T;
}

/**
 * The assistant's own words keep their examples; what a person (or an agent) wrote is masked
 * in full. `changed`: some text was masked.
 */
function masked<T extends Partial<Activity>>(activity: T, answer?: SecretAnswer): { kept: T; changed: boolean } {
  const byAssistant = activity.from?.role === 'bot' && !writtenByAgent(activity);
  const mask = byAssistant ? maskSent : (text: string) => maskText(text, answer);
  let changed = false;
  const kept = maskedWith(activity, (text) => {
    const out = mask(text);
    if (out !== text) changed = true;
    return out;
  });
  return { kept, changed };
}

/**
 * An activity as the page reads it. The log keeps each one without what every activity of
 * the conversation shares (its id, the channel, the service URL, the bot as recipient):
 * a third less Redis memory per conversation.
 */
function forPage(conversationId: string, id: string, kept: Partial<Activity>): Partial<Activity> {
  return { ...kept, id, channelId: DIRECTLINE_CHANNEL_ID, conversation: { id: conversationId } as Activity['conversation'] };
}

/**
 * Every conversation's activities in order, in the shared KeyValueStore, so any instance can
 * answer a GET or a reconnect; each append is announced on the conversation's channel so the
 * instance that holds the WebSocket pushes it. The watermark is the index in the log.
 */
export class ConversationLog {
  private readonly sealer: Sealer;

  constructor(
    private readonly store: KeyValueStore,
    private readonly ttlMs: number,
    /** SERVER_SECRET: seals what waits for its one delivery. */
    secret: string,
  ) {
    this.sealer = new Sealer(secret, 'directline-seal');
  }

  private infoKey = (id: string) => `dl:conv:${id}`;
  private logKey = (id: string) => `dl:log:${id}`;
  private channel = (id: string) => `dl:chan:${id}`;
  private askedKey = (id: string) => `dl:asked:${id}`;
  private sealedKey = (id: string, index: number) => `dl:sealed:${id}:${index}`;

  async create(conversationId: string, info: ConversationInfo): Promise<void> {
    await this.store.set(this.infoKey(conversationId), JSON.stringify(info), this.ttlMs);
  }

  async info(conversationId: string): Promise<ConversationInfo | undefined> {
    const raw = await this.store.get(this.infoKey(conversationId));
    if (!raw) return undefined;
    const parsed = infoSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : undefined;
  }

  /** True once per conversation: the first start greets, later reconnects do not. */
  async markStarted(conversationId: string): Promise<boolean> {
    return this.store.setIfAbsent(`dl:started:${conversationId}`, '1', this.ttlMs);
  }

  /**
   * Appends, gives the activity its id, announces it, and returns it with its id. What is
   * kept is masked first (`answer`: the person's message answers a secret question). When
   * masking changed what the bot sent (a new-key link), the activity as sent waits sealed
   * (AES-GCM, a short life) for its one delivery: the link works when it arrives, and the
   * history shows it without its token.
   */
  async append(
    conversationId: string,
    activity: Partial<Activity>,
    answer?: SecretAnswer,
  ): Promise<{ index: number; activity: Partial<Activity> }> {
    const { id: _ignored, serviceUrl: _url, recipient: _recipient, conversation: _conversation, channelId: _channel, ...sent } = activity;
    const { kept, changed } = masked(sent, answer);
    const sealed = activity.from?.role === 'bot' && changed;
    const length = await this.store.append(
      this.logKey(conversationId),
      JSON.stringify(sealed ? { ...kept, [SEALED]: true } : kept),
      this.ttlMs,
    );
    const index = length - 1;
    const id = activityId(conversationId, index);
    const waiting = sealed
      ? this.store.set(this.sealedKey(conversationId, index), this.sealer.seal(JSON.stringify(sent)), SEALED_TTL_MS)
      : Promise.resolve();
    await Promise.all([
      // Keep the conversation alive as long as it is used.
      this.store.touch(this.infoKey(conversationId), this.ttlMs),
      // Announced once the version as sent waits: the socket that hears it reads the log.
      waiting.then(() => this.announce(conversationId, { kind: 'activity', index, activity: forPage(conversationId, id, kept) })),
    ]);
    return { index, activity: { ...activity, id } };
  }

  /** An activity as kept, or, the first time it is read while its sealed version waits, as sent. */
  private async delivered(conversationId: string, index: number, kept: Partial<Activity>): Promise<Partial<Activity>> {
    const waiting = await this.store.take(this.sealedKey(conversationId, index));
    const sent = waiting === undefined ? undefined : this.sealer.open(waiting);
    return sent === undefined ? kept : (JSON.parse(sent) as Partial<Activity>);
  }

  /** Notes the question the bot just asked (at `index` in the log). */
  async asked(conversationId: string, question: Partial<Activity>, index: number, answer: SecretAnswer | undefined): Promise<void> {
    const { id: _id, serviceUrl: _url, recipient: _recipient, conversation: _conversation, channelId: _channel, ...sent } = question;
    const note: Asked = { answer, index, answered: answer === 'answer' ? maskOptions(masked(sent).kept) : undefined };
    await this.store.set(this.askedKey(conversationId), JSON.stringify(note), this.ttlMs);
  }

  /**
   * What the person's next message answers. A challenge question loses its options in the
   * log here, once the person answers: with the choice they would be the answer.
   */
  async answering(conversationId: string): Promise<SecretAnswer | undefined> {
    const raw = await this.store.get(this.askedKey(conversationId));
    if (!raw) return undefined;
    const parsed = askedSchema.safeParse(JSON.parse(raw));
    if (!parsed.success) return undefined;
    const { answer, index, answered } = parsed.data;
    if (answered) {
      await this.store.replaceAt(this.logKey(conversationId), index, JSON.stringify(answered));
      await this.store.set(this.askedKey(conversationId), JSON.stringify({ answer, index } satisfies Asked), this.ttlMs);
    }
    return answer;
  }

  /** True when the log already holds `max` activities (reads only what lies past the limit). */
  async isFull(conversationId: string, max: number): Promise<boolean> {
    return (await this.store.range(this.logKey(conversationId), max - 1)).length > 0;
  }

  /** Activities from `watermark` on, at most one page. */
  async since(conversationId: string, watermark: number): Promise<ActivityPage> {
    const raw = await this.store.range(this.logKey(conversationId), watermark);
    const page = raw.slice(0, MAX_ACTIVITIES_PER_PAGE);
    const activities: Partial<Activity>[] = [];
    for (const [i, json] of page.entries()) {
      const { [SEALED]: sealed, ...kept } = JSON.parse(json) as Partial<Activity> & { [SEALED]?: boolean };
      const activity = sealed ? await this.delivered(conversationId, watermark + i, kept) : kept;
      activities.push(forPage(conversationId, activityId(conversationId, watermark + i), activity));
    }
    return { activities, watermark: watermark + page.length };
  }

  async announce(conversationId: string, message: StreamMessage): Promise<void> {
    await this.store.publish(this.channel(conversationId), JSON.stringify(message));
  }

  async listen(conversationId: string, onMessage: (message: StreamMessage) => void): Promise<() => Promise<void>> {
    return this.store.subscribe(this.channel(conversationId), (raw) => {
      let json: unknown;
      try {
        json = JSON.parse(raw);
      } catch {
        return;
      }
      const parsed = streamMessageSchema.safeParse(json);
      if (parsed.success) onMessage(parsed.data);
    });
  }
}
