import { randomUUID } from 'node:crypto';
import { keyedHash } from '../hashing';
import { z } from 'zod';
import type { Config } from '../config';
import type { KeyValueStore } from '../store/keyValue';
import { type SecretAnswer, maskSent, maskText } from '../recovery/mask';

/** What an agent reads at a glance: never a code, token or full number. */
export interface TicketSummary {
  profile?: 'person' | 'employer';
  maskedNumber?: string;
  step?: string;
  failures: Array<{ step: string; reason: string }>;
}

export interface NewTicket {
  channelId: string;
  conversationId: string;
  /** The channel's conversation reference, to write to the person later. */
  reference: Record<string, unknown>;
  locale: string;
  reason: string;
  summary: TicketSummary;
  /** Served by the operator's contact centre (handoff event), not by our console. */
  external?: boolean;
}

export interface Ticket extends Omit<NewTicket, 'conversationId'> {
  id: string;
  conversationKey: string;
  openedAt: number;
}

export type TicketStatus = 'waiting' | 'active' | 'closed';

export interface TicketView extends Ticket {
  status: TicketStatus;
  agent?: string;
  claimedAt?: number;
  closedAt?: number;
  closedBy?: string;
}

export interface TranscriptEntry {
  at: number;
  /**
   * 'system': a notice for the agents (a WhatsApp message not delivered, the person left);
   * 'note': an agent's internal note. Neither is ever sent to the person.
   */
  from: 'user' | 'bot' | 'agent' | 'system' | 'note';
  text: string;
  agent?: string;
}

export type HandoffEvent =
  | { type: 'queue' }
  /** An agent became available or away. */
  | { type: 'presence' }
  | { type: 'entry'; ticketId: string; entry: TranscriptEntry }
  | { type: 'status'; ticketId: string; status: TicketStatus }
  /** Something the agent serving (or the queue) must hear at once: the person left, cancelled. */
  | { type: 'notice'; ticketId: string; notice: string; agent?: string };

export type ClaimResult =
  { result: 'claimed'; ticket: TicketView } | { result: 'taken'; agent: string } | { result: 'closed' } | { result: 'missing' };

export type TransferResult = { result: 'transferred'; ticket: TicketView } | { result: 'not_yours' | 'taken' | 'closed' | 'missing' };

export type CloseResult = { result: 'closed'; ticket: TicketView } | { result: 'already' } | { result: 'missing' };

const summarySchema = z.object({
  profile: z.enum(['person', 'employer']).optional(),
  maskedNumber: z.string().optional(),
  step: z.string().optional(),
  failures: z.array(z.object({ step: z.string(), reason: z.string() })),
});
const ticketSchema = z.object({
  id: z.string(),
  conversationKey: z.string(),
  channelId: z.string(),
  reference: z.record(z.string(), z.unknown()),
  locale: z.string(),
  reason: z.string(),
  summary: summarySchema,
  external: z.boolean().optional(),
  openedAt: z.number(),
});
const claimSchema = z.object({ agent: z.string(), at: z.number() });
const closedTicketSchema = z.object({
  id: z.string(),
  channel: z.string(),
  reason: z.string(),
  maskedNumber: z.string().optional(),
  agent: z.string().optional(),
  closedBy: z.string(),
  openedAt: z.number(),
  closedAt: z.number(),
});
/** What the history search reads of a closed ticket (kept beside the day it closed). */
export type ClosedTicket = z.infer<typeof closedTicketSchema>;
const closedSchema = z.object({ by: z.string(), at: z.number(), logLength: z.number() });
const entrySchema = z.object({
  at: z.number(),
  from: z.enum(['user', 'bot', 'agent', 'system', 'note']),
  text: z.string(),
  agent: z.string().optional(),
});

export const EVENTS_CHANNEL = 'handoff:events';
const DAY_MS = 86_400_000;
const MAX_ENTRY_CHARS = 2000;

/** The last cédula/RUC the person typed, as the transcript keeps it ("•••••••103"). */
function lastMaskedNumber(log: string[]): string | undefined {
  for (let i = log.length - 1; i >= 0; i--) {
    const entry = parseJson(entrySchema, log[i]);
    const masked = entry?.from === 'user' ? entry.text.match(/•{7,}\d{3}/g) : null;
    if (masked) return masked[masked.length - 1];
  }
  return undefined;
}

function parseJson<T>(schema: z.ZodType<T>, raw: string | undefined): T | undefined {
  if (!raw) return undefined;
  try {
    const parsed = schema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export interface TicketStoreOptions {
  store: KeyValueStore;
  /** Keys hold a keyed hash of the conversation id, never a phone number. */
  secret: string;
  /** How long tickets and transcripts are kept (TRANSCRIPT_TTL_SECONDS). */
  keepMs: number;
  /** How long a ticket may stay open (the conversation's own life, STATE_TTL_SECONDS). */
  openMs: number;
  now?: () => number;
}

/** The tickets as configured: transcripts kept TRANSCRIPT_TTL_SECONDS, a ticket open at most as long as its conversation. */
export function ticketStoreFor(
  config: Pick<Config, 'SERVER_SECRET' | 'TRANSCRIPT_TTL_SECONDS' | 'STATE_TTL_SECONDS'>,
  store: KeyValueStore,
): TicketStore {
  return new TicketStore({
    store,
    secret: config.SERVER_SECRET,
    keepMs: config.TRANSCRIPT_TTL_SECONDS * 1000,
    openMs: config.STATE_TTL_SECONDS * 1000,
  });
}

/**
 * Tickets, the queue and transcripts on the shared key-value store, so every instance sees
 * the same queue. Each change of state is one atomic store step: a claim is SET NX on the
 * ticket's claim key (exactly one agent wins), a close is SET NX on its closed key.
 */
export class TicketStore {
  private readonly store: KeyValueStore;
  private readonly now: () => number;

  constructor(private readonly options: TicketStoreOptions) {
    this.store = options.store;
    this.now = options.now ?? Date.now;
  }

  conversationKey(channelId: string, conversationId: string): string {
    return keyedHash(this.options.secret, 'ticket-conversation', `${channelId}\0${conversationId}`);
  }

  private dayKey(at: number): string {
    return `handoff:index:${new Date(at).toISOString().slice(0, 10)}`;
  }

  /** Opens a ticket, or returns the one already open for this conversation. */
  async open(input: NewTicket): Promise<{ ticket: TicketView; created: boolean }> {
    const conversationKey = this.conversationKey(input.channelId, input.conversationId);
    const current = await this.openFor(conversationKey);
    if (current) return { ticket: current, created: false };

    const { conversationId: _omit, ...rest } = input;
    const ticket: Ticket = { ...rest, id: randomUUID(), conversationKey, openedAt: this.now() };
    await this.store.set(`handoff:ticket:${ticket.id}`, JSON.stringify(ticket), this.options.keepMs);
    if (!(await this.store.setIfAbsent(`handoff:open:${conversationKey}`, ticket.id, this.options.openMs))) {
      const winner = await this.openFor(conversationKey);
      if (winner) return { ticket: winner, created: false };
    }
    await this.store.append(this.dayKey(ticket.openedAt), ticket.id, this.options.openMs + DAY_MS);
    await this.publish({ type: 'queue' });
    return { ticket: { ...ticket, status: 'waiting' }, created: true };
  }

  /** The open ticket of a conversation, if any. */
  async openFor(conversationKey: string): Promise<TicketView | undefined> {
    const id = await this.store.get(`handoff:open:${conversationKey}`);
    const ticket = id ? await this.get(id) : undefined;
    return ticket && ticket.status !== 'closed' ? ticket : undefined;
  }

  async openForConversation(channelId: string, conversationId: string): Promise<TicketView | undefined> {
    return this.openFor(this.conversationKey(channelId, conversationId));
  }

  async get(id: string): Promise<TicketView | undefined> {
    if (!/^[0-9a-f-]{36}$/.test(id)) return undefined;
    const [rawTicket, rawClaim, rawClosed] = await Promise.all([
      this.store.get(`handoff:ticket:${id}`),
      this.store.get(`handoff:claim:${id}`),
      this.store.get(`handoff:closed:${id}`),
    ]);
    const ticket = parseJson(ticketSchema, rawTicket);
    if (!ticket) return undefined;
    const claim = parseJson(claimSchema, rawClaim);
    const closed = parseJson(closedSchema, rawClosed);
    return {
      ...ticket,
      status: closed ? 'closed' : claim ? 'active' : 'waiting',
      agent: claim?.agent,
      claimedAt: claim?.at,
      closedAt: closed?.at,
      closedBy: closed?.by,
    };
  }

  /** Tickets still open, oldest first (the queue, then those being served). */
  async listOpen(): Promise<TicketView[]> {
    const days = Math.ceil(this.options.openMs / DAY_MS) + 1;
    const ids = new Set<string>();
    for (let d = 0; d <= days; d++) {
      for (const id of await this.store.range(this.dayKey(this.now() - d * DAY_MS))) ids.add(id);
    }
    const tickets = await Promise.all([...ids].map((id) => this.get(id)));
    return tickets
      .filter((t): t is TicketView => !!t && t.status !== 'closed' && this.now() - t.openedAt < this.options.openMs)
      .sort((a, b) => a.openedAt - b.openedAt);
  }

  /** 1 for the next person to be served; undefined when not waiting in our queue. */
  async position(ticketId: string): Promise<number | undefined> {
    const waiting = (await this.listOpen()).filter((t) => t.status === 'waiting' && !t.external);
    const index = waiting.findIndex((t) => t.id === ticketId);
    return index < 0 ? undefined : index + 1;
  }

  async claim(id: string, agent: string): Promise<ClaimResult> {
    const before = await this.get(id);
    if (!before) return { result: 'missing' };
    if (before.status === 'closed') return { result: 'closed' };
    const claim = JSON.stringify({ agent, at: this.now() });
    if (!(await this.store.setIfAbsent(`handoff:claim:${id}`, claim, this.options.keepMs))) {
      const holder = (await this.get(id))?.agent ?? '';
      return { result: 'taken', agent: holder };
    }
    const ticket = await this.get(id);
    if (!ticket || ticket.status === 'closed') return { result: 'closed' };
    await this.publish({ type: 'status', ticketId: id, status: 'active' });
    await this.publish({ type: 'queue' });
    return { result: 'claimed', ticket };
  }

  /**
   * Hands an active ticket from one agent to another (`to`), or back to the queue (no `to`).
   * Only the agent holding it can: the claim is swapped only while it is still theirs.
   */
  async transfer(id: string, from: string, to?: string): Promise<TransferResult> {
    const key = `handoff:claim:${id}`;
    const raw = await this.store.get(key);
    const claim = parseJson(claimSchema, raw);
    const ticket = await this.get(id);
    if (!ticket) return { result: 'missing' };
    if (ticket.status === 'closed') return { result: 'closed' };
    if (!raw || claim?.agent !== from) return { result: 'not_yours' };
    if (!(await this.store.deleteIfEquals(key, raw))) return { result: 'not_yours' };
    if (to && !(await this.store.setIfAbsent(key, JSON.stringify({ agent: to, at: this.now() }), this.options.keepMs)))
      return { result: 'taken' };
    await this.publish({ type: 'status', ticketId: id, status: to ? 'active' : 'waiting' });
    await this.publish({ type: 'queue' });
    return { result: 'transferred', ticket: (await this.get(id)) ?? ticket };
  }

  /** Closes once: by an agent (their name) or by the person ("person"). */
  async close(id: string, by: string): Promise<CloseResult> {
    const ticket = await this.get(id);
    if (!ticket) return { result: 'missing' };
    const log = await this.store.range(`handoff:log:${ticket.conversationKey}`);
    const logLength = log.length;
    const record = JSON.stringify({ by, at: this.now(), logLength });
    if (!(await this.store.setIfAbsent(`handoff:closed:${id}`, record, this.options.keepMs))) return { result: 'already' };
    await this.store.deleteIfEquals(`handoff:open:${ticket.conversationKey}`, id);
    const closed: ClosedTicket = {
      id,
      channel: ticket.channelId,
      reason: ticket.reason,
      maskedNumber: ticket.summary.maskedNumber ?? lastMaskedNumber(log),
      agent: ticket.agent,
      closedBy: by,
      openedAt: ticket.openedAt,
      closedAt: this.now(),
    };
    await this.store.append(this.closedDayKey(closed.closedAt), JSON.stringify(closed), this.options.keepMs + DAY_MS);
    await this.publish({ type: 'status', ticketId: id, status: 'closed' });
    await this.publish({ type: 'queue' });
    return { result: 'closed', ticket: (await this.get(id)) ?? ticket };
  }

  private closedDayKey(at: number): string {
    return `handoff:closed-index:${new Date(at).toISOString().slice(0, 10)}`;
  }

  /** Closed tickets still kept (their ticket lives TRANSCRIPT_TTL_SECONDS from opening), newest first. */
  async closedRecent(): Promise<ClosedTicket[]> {
    const days = Math.ceil(this.options.keepMs / DAY_MS) + 1;
    const lists = await Promise.all(
      Array.from({ length: days + 1 }, (_, d) => this.store.range(this.closedDayKey(this.now() - d * DAY_MS))),
    );
    return lists
      .flat()
      .map((raw) => parseJson(closedTicketSchema, raw))
      .filter((t): t is ClosedTicket => !!t && this.now() - t.openedAt < this.options.keepMs)
      .sort((a, b) => b.closedAt - a.closedAt);
  }

  /**
   * Adds a message to the conversation's transcript, masked before it is stored: the
   * assistant's own words keep their examples, what people write is masked in full
   * (`answer`: the person's message answers a secret question).
   */
  async record(conversationKey: string, entry: TranscriptEntry, answer?: SecretAnswer): Promise<TranscriptEntry> {
    const text = entry.from === 'bot' || entry.from === 'system' ? maskSent(entry.text) : maskText(entry.text, answer);
    const safe: TranscriptEntry = { ...entry, text: text.slice(0, MAX_ENTRY_CHARS) };
    await this.store.append(`handoff:log:${conversationKey}`, JSON.stringify(safe), this.options.keepMs);
    return safe;
  }

  /** The transcript a ticket shows: the conversation up to the ticket's close. */
  async transcript(ticket: TicketView): Promise<TranscriptEntry[]> {
    const raw = await this.store.range(`handoff:log:${ticket.conversationKey}`);
    const closed = parseJson(closedSchema, await this.store.get(`handoff:closed:${ticket.id}`));
    return raw
      .slice(0, closed?.logLength ?? raw.length)
      .map((r) => parseJson(entrySchema, r))
      .filter((e): e is TranscriptEntry => !!e);
  }

  publish(event: HandoffEvent): Promise<void> {
    return this.store.publish(EVENTS_CHANNEL, JSON.stringify(event));
  }

  subscribe(onEvent: (event: HandoffEvent) => void): Promise<() => Promise<void>> {
    return this.store.subscribe(EVENTS_CHANNEL, (message) => {
      try {
        onEvent(JSON.parse(message) as HandoffEvent);
      } catch {
        // A malformed message on the channel is ignored.
      }
    });
  }
}
