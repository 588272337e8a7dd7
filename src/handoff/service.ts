import {
  type Activity,
  ActivityTypes,
  CloudAdapterBase,
  type ConversationReference,
  type ConversationState,
  EventFactory,
  TurnContext,
} from 'botbuilder';
import type { ContinueConversation, FollowUp, Interception, TurnInterceptor, TurnRecorder } from '../bot/ports';
import { maskOptions, questionAsked, writtenByAgent } from '../recovery/mask';
import type { Config } from '../config';
import { ConfigError, ServiceHoursError, WhatsAppWindowClosedError } from '../errors';
import { type Locale, type Texts, pickLocale } from '../i18n';
import type { Logger } from '../log';
import { channelLabel, type Metrics } from '../metrics';
import type { KeyValueStore } from '../store/keyValue';
import { InFlight } from '../inFlight';
import { type Agent, AgentDirectory } from './agents';
import { leastLoaded, OneAtATime } from './assignment';
import { ServiceHours } from './hours';
import { agentActivity } from './agentMessage';
import { createHandoffMetrics, type HandoffMetrics } from './metrics';
import { type ClaimResult, type TicketStatus, TicketStore, type TicketView, type TranscriptEntry } from './tickets';
import { Presence, type PresenceStatus } from './presence';
import { type ChoiceRenderer, type PendingSurvey, Survey } from '../survey';
import { Funnel, type Journey } from './funnel';
import type { ProgressReader } from './progress';
import { createWebhookSender, type WebhookSender } from './webhook';

/** The settings this module reads. */
export type HandoffConfig = Pick<
  Config,
  | 'AGENTS'
  | 'DEFAULT_LOCALE'
  | 'FUNNEL_DAYS'
  | 'HANDOFF_AUTO_ASSIGN'
  | 'HANDOFF_MAX_TICKETS_PER_AGENT'
  | 'HANDOFF_MODE'
  | 'HANDOFF_WEBHOOK_SECRET'
  | 'HANDOFF_WEBHOOK_URL'
  | 'PUBLIC_BASE_URL'
  | 'SERVICE_HOURS'
  | 'STATE_TTL_SECONDS'
  | 'TIMEZONE'
  | 'TRANSCRIPT_TTL_SECONDS'
  | 'TWILIO_TEMPLATE_SID'
>;

/** Turn-state keys: the open ticket of this turn, the user's recorded message. */
const TICKET_ID = Symbol('handoffTicket');
const USER_ENTRY = Symbol('handoffUserEntry');

/** WhatsApp lets a business write freely only within 24 hours of the person's last message. */

export interface HandoffDeps {
  config: HandoffConfig;
  store: KeyValueStore;
  /** The tickets (built first: a channel notes failed deliveries in them, see deliveryFailures.ts). */
  tickets: TicketStore;
  texts: Texts;
  log: Logger;
  metrics: Metrics;
  /** Where the person got in the dialogs (written by them, read here for the agent). */
  progress: ProgressReader;
  /** The conversation's own state: a pending satisfaction survey lives there. */
  conversationState: ConversationState;
  gateways: {
    /** WhatsApp's service window, kept by the channel; undefined when it has closed. */
    windowClosesAt(reference: Partial<ConversationReference>): Promise<number | undefined>;
  };
  /** Reaches a person later (an agent's words, the queue moving), in the conversation's turn order. */
  continueConversation: ContinueConversation;
  /** Shows the survey's options as the person's channel shows choices. */
  renderChoices: ChoiceRenderer;
  now?: () => number;
}

/** An agent's console counts as open while its event stream refreshes presence (every 25 s). */
export const PRESENCE_LAPSE_MS = 75_000;

export type TransferOutcome = 'transferred' | 'missing' | 'closed' | 'not_yours' | 'taken' | 'unknown_agent' | 'away';

/** One member of the team as the console and the supervisor see them. */
export interface TeamMember {
  name: string;
  displayName: string;
  role: Agent['role'];
  presence: PresenceStatus;
  /** Tickets they are serving now. */
  serving: number;
}

export type SendResult = 'sent' | 'missing' | 'closed' | 'not_claimed' | 'not_yours' | 'window_closed' | 'failed';

/** The agent-facing view of one ticket. */
export interface TicketDetail {
  ticket: TicketView;
  transcript: TranscriptEntry[];
  position?: number;
  /** WhatsApp only: the person wrote more than 24 hours ago, free text cannot be delivered. */
  windowClosed: boolean;
  /** WhatsApp only: when free text stops reaching the person, unless they write again. */
  windowClosesAt?: number;
}

/**
 * Human handoff: opens tickets when the dialogs give up or the person asks, relays the
 * person's messages to the agent while a ticket is open, and gives the conversation back
 * to the bot when the agent closes it or the person writes "cancelar".
 */
export class Handoff implements TurnInterceptor {
  readonly tickets: TicketStore;
  readonly agents: AgentDirectory;
  readonly hours: ServiceHours;
  readonly metrics: HandoffMetrics;
  readonly presence: Presence;
  readonly survey: Survey;
  readonly funnel: Funnel;
  private readonly webhook?: WebhookSender;
  private readonly now: () => number;
  /** Assignments started after a turn (the person's turn must end before an agent greets them). */
  private readonly background = new InFlight();
  private readonly assigning: OneAtATime;
  /** TurnRecorder: every turn's messages into the transcript. */
  readonly recorder: TurnRecorder = { attach: (context) => this.attachRecorder(context) };

  constructor(private readonly deps: HandoffDeps) {
    const { config } = deps;
    this.now = deps.now ?? Date.now;
    this.tickets = deps.tickets;
    try {
      this.agents = new AgentDirectory(config.AGENTS);
      this.hours = ServiceHours.parse(config.SERVICE_HOURS, config.TIMEZONE);
    } catch (err) {
      const name = err instanceof ServiceHoursError ? 'SERVICE_HOURS' : 'AGENTS';
      throw new ConfigError(`Invalid configuration:\n  ${name}: ${(err as Error).message}`);
    }
    this.metrics = createHandoffMetrics(
      deps.metrics,
      async () => (await this.tickets.listOpen()).filter((t) => t.status === 'waiting').length,
    );
    if (config.HANDOFF_WEBHOOK_URL && config.HANDOFF_WEBHOOK_SECRET)
      this.webhook = createWebhookSender(config.HANDOFF_WEBHOOK_URL, config.HANDOFF_WEBHOOK_SECRET, deps.log);
    this.presence = new Presence(deps.store, PRESENCE_LAPSE_MS);
    this.assigning = new OneAtATime(deps.store, 'handoff:assign', 30_000);
    this.survey = new Survey({
      flow: 'handoff',
      store: deps.store,
      texts: deps.texts,
      metrics: deps.metrics,
      pending: deps.conversationState.createProperty<PendingSurvey | undefined>('handoffSurvey'),
      renderChoices: deps.renderChoices,
      keepMs: config.TRANSCRIPT_TTL_SECONDS * 1000,
      answerMs: config.STATE_TTL_SECONDS * 1000,
      defaultLocale: config.DEFAULT_LOCALE,
      now: this.now,
    });
    this.funnel = new Funnel({
      store: deps.store,
      journey: deps.conversationState.createProperty<Journey | undefined>('handoffJourney'),
      progress: deps.progress,
      days: config.FUNNEL_DAYS,
      timeZone: config.TIMEZONE,
      now: this.now,
    });
  }

  /** Waits (bounded) for assignments still under way; true when none is left. */
  drain(timeoutMs: number): Promise<boolean> {
    return this.background.drain(timeoutMs);
  }

  /** The shared store (agent sessions live there too). */
  get store(): KeyValueStore {
    return this.deps.store;
  }

  /** True when a person can be handed to someone at all (agents configured, or a contact centre). */
  get enabled(): boolean {
    return this.agents.size > 0 || this.deps.config.HANDOFF_MODE === 'event';
  }

  private locale(context: TurnContext): Locale {
    return pickLocale(context.activity.locale, this.deps.config.DEFAULT_LOCALE);
  }

  private t(locale: Locale, key: string, vars?: Record<string, unknown>): string {
    return this.deps.texts.t(locale, `handoff:${key}`, vars);
  }

  /** Azure Bot Service channels arrive through the CloudAdapter; ours have their own adapters. */
  private onAzureChannel(context: TurnContext): boolean {
    return context.adapter instanceof CloudAdapterBase;
  }

  // ---- The transcript: every message in and out, redacted before it is stored. ----

  /** Records the person's message and hooks the turn's replies; call at the start of every turn. */
  async attachRecorder(context: TurnContext): Promise<void> {
    const { channelId, conversation } = context.activity;
    if (!channelId || !conversation?.id) return;
    const key = this.tickets.conversationKey(channelId, conversation.id);
    const activity = context.activity;
    if (activity.type === 'message' && activity.text?.trim()) {
      // The question being answered (from the saved state) says how secret the message is.
      const entry = await this.safely(async () => {
        const { secretAnswer } = await this.deps.progress.get(context);
        return this.tickets.record(key, { at: this.now(), from: 'user', text: activity.text }, secretAnswer);
      });
      if (entry) context.turnState.set(USER_ENTRY, entry);
    }
    context.onSendActivities(async (ctx, activities, next) => {
      const responses = await next();
      const locale = this.locale(ctx);
      const milestone = activities.some((a) => a.text === this.deps.texts.t(locale, 'common:keyChanged'))
        ? 'key_changed'
        : activities.some((a) => a.text === this.deps.texts.t(locale, 'code:verified'))
          ? 'code_verified'
          : undefined;
      await this.safely(() => this.funnel.observe(ctx, milestone));
      for (const sent of activities) {
        // A challenge question is kept without its options: with the choice they would be the answer.
        const text = shortened(readableText(questionAsked(sent)?.answer === 'answer' ? maskOptions(sent) : sent));
        // An agent's own words are recorded whole by sayAsAgent, as they typed them.
        if (sent.type !== ActivityTypes.Message || !text || writtenByAgent(sent)) continue;
        const entry = await this.safely(() => this.tickets.record(key, { at: this.now(), from: 'bot', text }));
        const ticketId = ctx.turnState.get<string | undefined>(TICKET_ID);
        if (entry && ticketId) await this.safely(() => this.tickets.publish({ type: 'entry', ticketId, entry }));
      }
      return responses;
    });
  }

  /** A line in the ticket for the agents only (never sent to the person), pushed to open consoles. */
  private async note(ticket: TicketView, text: string, from: 'system' | 'note' = 'system', agent?: Agent): Promise<void> {
    const entry = await this.tickets.record(ticket.conversationKey, { at: this.now(), from, text, agent: agent?.displayName });
    await this.tickets.publish({ type: 'entry', ticketId: ticket.id, entry });
  }

  /** Transcript trouble must never cost the person their answer. */
  private async safely<T>(work: () => Promise<T>): Promise<T | undefined> {
    try {
      return await work();
    } catch (err) {
      this.deps.log.warn({ err: { type: (err as Error).name } }, 'handoff transcript not recorded');
      return undefined;
    }
  }

  // ---- The person's side. ----

  /** DialogServices.handoff: opens a ticket; false when nobody can take it (the bot explains other ways). */
  open = async (context: TurnContext, reason: string): Promise<boolean> => {
    const external = this.deps.config.HANDOFF_MODE === 'event' && this.onAzureChannel(context);
    if (!external && this.agents.size === 0) return false;
    const { channelId, conversation } = context.activity;
    if (!channelId || !conversation?.id) return false;
    const locale = this.locale(context);
    const progress = await this.deps.progress.get(context);
    const failures = progress.failures.slice(-5);
    const { ticket, created } = await this.tickets.open({
      channelId,
      conversationId: conversation.id,
      reference: { ...TurnContext.getConversationReference(context.activity), locale: context.activity.locale },
      locale,
      reason,
      summary: {
        profile: progress.profile,
        maskedNumber: progress.maskedNumber,
        step: placeReached(progress.step, failures),
        failures,
      },
      external,
    });
    context.turnState.set(TICKET_ID, ticket.id);
    await this.safely(() => this.funnel.observe(context, undefined, true));
    if (created) {
      this.metrics.opened.inc({ reason, channel: channelLabel(channelId) });
      this.deps.log.info({ ticket: ticket.id, reason, channel: channelId }, 'handoff ticket opened');
      void this.notifyWebhook(ticket);
    }
    if (external) {
      await context.sendActivity(await this.handoffEvent(context, ticket));
      await context.sendActivity(this.t(locale, 'openedExternal'));
      return true;
    }
    // "I shared what we talked about" only when something was: a step past the menu, or a failure.
    const said = failures.length > 0 || (progress.step !== undefined && progress.step !== 'main.menu');
    await context.sendActivity(this.t(locale, said ? 'opened' : 'openedFresh', { position: await this.tickets.position(ticket.id) }));
    if (!this.hours.isOpen(new Date(this.now()))) await context.sendActivity(this.closedNowText(locale));
    else {
      const busy = await this.busyText(locale);
      if (busy) await context.sendActivity(busy);
    }
    await context.sendActivity(this.t(locale, 'cancelHint'));
    if (created) this.assignSoon();
    return true;
  };

  /** Within hours, when nobody can take the person now: "nobody is available" or "everyone is busy". */
  private async busyText(locale: Locale): Promise<string | undefined> {
    const team = await this.team();
    const available = team.filter((m) => m.presence === 'available');
    if (!available.length) return this.t(locale, 'agentsAway');
    if (available.every((m) => m.serving >= this.deps.config.HANDOFF_MAX_TICKETS_PER_AGENT)) return this.t(locale, 'agentsBusy');
    return undefined;
  }

  /** Bot Framework's standard handoff initiation, for the operator's contact centre. */
  private async handoffEvent(context: TurnContext, ticket: TicketView): Promise<Partial<Activity>> {
    const entries = await this.tickets.transcript(ticket);
    const activities = entries.map((e) => ({
      type: ActivityTypes.Message,
      text: e.text,
      timestamp: new Date(e.at),
      from: { id: e.from, name: e.agent ?? e.from, role: e.from === 'user' ? 'user' : 'bot' },
    })) as Activity[];
    return EventFactory.createHandoffInitiation(
      context,
      { ticketId: ticket.id, reason: ticket.reason, summary: ticket.summary },
      { activities },
    );
  }

  private async notifyWebhook(ticket: TicketView): Promise<void> {
    if (!this.webhook) return;
    const transcript = await this.tickets.transcript(ticket).catch(() => []);
    const base = this.deps.config.PUBLIC_BASE_URL.replace(/\/+$/, '');
    await this.webhook.send({
      event: 'handoff.ticket_opened',
      ticket: {
        id: ticket.id,
        channel: ticket.channelId,
        reason: ticket.reason,
        locale: ticket.locale,
        openedAt: new Date(ticket.openedAt).toISOString(),
        summary: ticket.summary,
        consoleUrl: `${base}/agent#${ticket.id}`,
      },
      transcript: transcript.map((e) => ({ at: new Date(e.at).toISOString(), from: e.from, agent: e.agent, text: e.text })),
    });
  }

  /** "Agents are back on Monday at 08:00; meanwhile …" */
  closedNowText(locale: Locale): string {
    const days = this.deps.texts.list(locale, 'handoff:days');
    const next = this.hours.nextOpening(new Date(this.now()));
    const back = next
      ? next.today
        ? this.t(locale, 'backToday', { time: next.time })
        : this.t(locale, 'backOn', { day: days[next.day], time: next.time })
      : '';
    const hours = this.hours
      .describe()
      .map((w) => {
        const contiguous = w.days.length > 2 && w.days.every((d, i) => i === 0 || d === w.days[i - 1] + 1);
        const dayText = contiguous
          ? this.t(locale, 'dayRange', { from: days[w.days[0]], to: days[w.days[w.days.length - 1]] })
          : w.days.map((d) => days[d]).join(', ');
        return this.t(locale, 'hoursWindow', { days: dayText, from: w.from, to: w.to });
      })
      .join('; ');
    return this.t(locale, 'closedNow', { hours, back });
  }

  private isCancel(locale: Locale, text: string): boolean {
    const said = text
      .trim()
      .toLowerCase()
      .replace(/[.!¡¿?«»"]/g, '')
      .trim();
    return this.deps.texts.list(locale, 'handoff:cancelWords').includes(said);
  }

  /** TurnInterceptor: while a ticket is open, the person's messages belong to the agent. */
  async intercept(context: TurnContext): Promise<Interception> {
    const pass = { handled: false };
    if (context.activity.type !== 'message') return pass;
    const { channelId, conversation } = context.activity;
    if (!channelId || !conversation?.id) return pass;
    const ticket = await this.tickets.openForConversation(channelId, conversation.id);
    if (!ticket) return this.answerSurvey(context);
    context.turnState.set(TICKET_ID, ticket.id);
    const entry = context.turnState.get<TranscriptEntry | undefined>(USER_ENTRY);
    if (entry) await this.tickets.publish({ type: 'entry', ticketId: ticket.id, entry });
    const locale = this.locale(context);

    if (this.isCancel(locale, context.activity.text ?? '')) {
      // The agent hears it at once, in the ticket (before it closes) and as a notice on their console.
      const notice = ticket.status === 'waiting' ? 'personLeftQueue' : 'personCancelled';
      await this.note(ticket, this.t(this.deps.config.DEFAULT_LOCALE, `console.notices.${notice}`));
      const closed = await this.tickets.close(ticket.id, 'person');
      if (closed.result === 'closed') {
        this.metrics.closed.inc({ reason: ticket.reason, by: 'person' });
        await this.tickets.publish({ type: 'notice', ticketId: ticket.id, notice, agent: ticket.agent });
      }
      // Leaving the queue, or ending a conversation an agent was having: each said as it is.
      const agent = ticket.status === 'active' && ticket.agent ? this.agents.named(ticket.agent) : undefined;
      await context.sendActivity(agent ? this.t(locale, 'leftAgent', { agent: this.agentLabel(locale, agent) }) : this.t(locale, 'left'));
      // The dialogs start over with the same message and show the menu again.
      return { handled: false, then: 'restart' };
    }
    if (ticket.status === 'waiting' && !ticket.external) {
      await context.sendActivity(this.t(locale, 'stillWaiting', { position: await this.tickets.position(ticket.id) }));
      const busy = this.hours.isOpen(new Date(this.now())) ? await this.busyText(locale) : undefined;
      if (busy) await context.sendActivity(busy);
    }
    return { handled: true };
  }

  /** A rating or comment after an agent closed: taken here; anything else goes on to the bot. */
  private async answerSurvey(context: TurnContext): Promise<Interception> {
    const outcome = await this.survey.handle(context);
    if (outcome === 'none') return { handled: false };
    // The survey is over: the menu says what can come next (the comment itself is no request).
    return { handled: true, then: outcome === 'done' ? 'offerMenu' : undefined };
  }

  // ---- The team: presence, notes, transfers, assignment. ----

  /** Everyone configured, with their presence and how many people they serve now. */
  async team(): Promise<TeamMember[]> {
    const agents = this.agents.all();
    const [presence, open] = await Promise.all([this.presence.all(agents.map((a) => a.name)), this.tickets.listOpen()]);
    const serving = new Map<string, number>();
    for (const t of open) if (t.status === 'active' && t.agent) serving.set(t.agent, (serving.get(t.agent) ?? 0) + 1);
    return agents.map((a) => ({ ...a, presence: presence.get(a.name) ?? 'away', serving: serving.get(a.name) ?? 0 }));
  }

  async setPresence(agent: Agent, status: PresenceStatus): Promise<void> {
    await this.presence.set(agent.name, status);
    await this.tickets.publish({ type: 'presence' });
    if (status === 'available') this.assignSoon();
  }

  /** The agent's console is open (called as its event stream starts and on each keep-alive). */
  async consoleOpen(agent: Agent): Promise<void> {
    const before = await this.presence.of(agent.name);
    const now = await this.presence.keepAlive(agent.name);
    if (before !== now) await this.setPresence(agent, now);
  }

  /** An internal note: in the ticket for every agent, never sent to the person. */
  async addNote(ticketId: string, agent: Agent, text: string): Promise<'noted' | 'missing' | 'closed'> {
    const ticket = await this.tickets.get(ticketId);
    if (!ticket) return 'missing';
    if (ticket.status === 'closed') return 'closed';
    await this.note(ticket, text, 'note', agent);
    return 'noted';
  }

  /** Hands the person to another available agent (`to`), or back to the queue, with an optional note. */
  async transfer(ticketId: string, agent: Agent, to: string | undefined, note?: string): Promise<TransferOutcome> {
    const target = to ? this.agents.named(to) : undefined;
    if (to && (!target || target.name === agent.name)) return 'unknown_agent';
    const current = await this.tickets.get(ticketId);
    if (!current) return 'missing';
    if (current.status === 'closed') return 'closed';
    if (current.status !== 'active' || current.agent !== agent.name) return 'not_yours';
    if (target && (await this.presence.of(target.name)) !== 'available') return 'away';
    const locale = pickLocale(current.locale, this.deps.config.DEFAULT_LOCALE);
    const console = pickLocale(this.deps.config.DEFAULT_LOCALE);
    const line = target
      ? this.t(console, 'console.transferredTo', { from: agent.displayName, to: target.displayName })
      : this.t(console, 'console.transferredToQueue', { from: agent.displayName });
    // The note is written first so it is in the ticket when the next agent opens it.
    await this.note(current, note ? `${line} ${note}` : line, 'note', agent);
    const result = await this.tickets.transfer(ticketId, agent.name, target?.name);
    if (result.result !== 'transferred') return result.result;
    this.deps.log.info({ ticket: ticketId, to: target ? 'agent' : 'queue' }, 'handoff ticket transferred');
    if (target) await this.tickets.publish({ type: 'notice', ticketId, notice: 'transferredToYou', agent: target.name });
    await this.sendToPerson(result.ticket, async (ctx) => {
      if (target) await ctx.sendActivity(this.t(locale, 'transferred', { agent: this.agentLabel(locale, target) }));
      else await ctx.sendActivity(this.t(locale, 'backToQueue', { position: await this.tickets.position(ticketId) }));
    });
    if (!target) this.assignSoon();
    return 'transferred';
  }

  /** HANDOFF_AUTO_ASSIGN: after this turn, waiting people go to the available agents with the fewest open tickets. */
  private assignSoon(): void {
    if (!this.deps.config.HANDOFF_AUTO_ASSIGN) return;
    void this.background.track(
      new Promise<void>((resolve) => setImmediate(resolve))
        .then(() => this.assigning.run(() => this.assignWaiting()))
        .catch((err: Error) => this.deps.log.warn({ err: { type: err.name } }, 'handoff assignment failed')),
    );
  }

  private async assignWaiting(): Promise<void> {
    const waiting = (await this.tickets.listOpen()).filter((t) => t.status === 'waiting' && !t.external);
    if (!waiting.length) return;
    const team = (await this.team()).filter((m) => m.role === 'agent' && m.presence === 'available');
    const load = new Map(team.map((m) => [m.name, m.serving]));
    for (const ticket of waiting) {
      const name = leastLoaded(load, this.deps.config.HANDOFF_MAX_TICKETS_PER_AGENT);
      if (!name) return;
      const agent = this.agents.named(name)!;
      // Another instance may assign the same ticket at once: the claim (SET NX) lets one win.
      const result = await this.claim(ticket.id, agent);
      if (result.result !== 'claimed') continue;
      load.set(name, (load.get(name) ?? 0) + 1);
      await this.tickets.publish({ type: 'notice', ticketId: ticket.id, notice: 'assignedToYou', agent: name });
    }
  }

  // ---- The agent's side (the console calls these). ----

  async claim(ticketId: string, agent: Agent): Promise<ClaimResult & { notified?: boolean; notDelivered?: SendResult }> {
    const result = await this.tickets.claim(ticketId, agent.name);
    if (result.result !== 'claimed') return result;
    const { ticket } = result;
    this.metrics.served.inc({ reason: ticket.reason });
    this.metrics.waitSeconds.observe({ reason: ticket.reason }, Math.max(0, (ticket.claimedAt! - ticket.openedAt) / 1000));
    // Past WhatsApp's window (and with no approved template) nothing can be delivered: the agent is told instead of trying.
    if (await this.undeliverable(ticket)) return { ...result, notified: false, notDelivered: 'window_closed' };
    const locale = pickLocale(ticket.locale, this.deps.config.DEFAULT_LOCALE);
    const notified = await this.sendToPerson(ticket, (ctx) =>
      this.sayAsAgent(ctx, ticket, agent, this.t(locale, 'agentJoined', { agent: agent.displayName })),
    );
    return notified === 'sent' ? { ...result, notified: true } : { ...result, notified: false, notDelivered: notified };
  }

  async send(ticketId: string, agent: Agent, text: string): Promise<SendResult> {
    const ticket = await this.tickets.get(ticketId);
    if (!ticket) return 'missing';
    if (ticket.status === 'closed') return 'closed';
    if (ticket.status === 'waiting') return 'not_claimed';
    if (ticket.agent !== agent.name) return 'not_yours';
    if (await this.undeliverable(ticket)) return 'window_closed';
    return this.sendToPerson(ticket, (ctx) => this.sayAsAgent(ctx, ticket, agent, text));
  }

  /** "Ana, asesora del IESS": who a person of the team is, as the person reads it. */
  private agentLabel(locale: Locale, agent: Agent): string {
    return this.t(locale, 'agentLabel', { agent: agent.displayName });
  }

  /** Sends the agent's words marked as theirs, and records them whole in the ticket. */
  private async sayAsAgent(ctx: TurnContext, ticket: TicketView, agent: Agent, text: string): Promise<void> {
    const locale = pickLocale(ticket.locale, this.deps.config.DEFAULT_LOCALE);
    const label = this.agentLabel(locale, agent);
    await ctx.sendActivity(agentActivity(ticket.channelId, label, text, this.t(locale, 'agentSays', { agent: label, text })));
    const entry = await this.safely(() =>
      this.tickets.record(ticket.conversationKey, { at: this.now(), from: 'agent', text, agent: agent.displayName }),
    );
    if (entry) await this.safely(() => this.tickets.publish({ type: 'entry', ticketId: ticket.id, entry }));
  }

  async close(ticketId: string, agent: Agent): Promise<'closed' | 'already' | 'missing' | 'not_yours'> {
    const current = await this.tickets.get(ticketId);
    if (!current) return 'missing';
    if (current.status === 'closed') return 'already';
    if (current.status === 'active' && current.agent !== agent.name) return 'not_yours';
    const result = await this.tickets.close(ticketId, agent.name);
    if (result.result !== 'closed') return result.result;
    this.metrics.closed.inc({ reason: current.reason, by: 'agent' });
    const locale = pickLocale(current.locale, this.deps.config.DEFAULT_LOCALE);
    await this.sendToPerson(result.ticket, async (ctx) => {
      if (current.status !== 'active') {
        await ctx.sendActivity(this.t(locale, 'closedUnserved'));
        return 'greetAgain';
      }
      const label = this.agentLabel(locale, agent);
      await ctx.sendActivity(this.t(locale, 'agentClosed', { agent: label }));
      await this.survey.ask(ctx, { id: current.id, agent: agent.name, channel: current.channelId }, { vars: { agent: label } });
      // The menu comes back after the survey (or with the next message that is not an answer).
      return 'restart';
    });
    return 'closed';
  }

  async detail(ticketId: string): Promise<TicketDetail | undefined> {
    const ticket = await this.tickets.get(ticketId);
    if (!ticket) return undefined;
    return {
      ticket,
      transcript: await this.tickets.transcript(ticket),
      position: ticket.status === 'waiting' ? await this.tickets.position(ticket.id) : undefined,
      windowClosed: await this.windowClosed(ticket),
      windowClosesAt: await this.windowClosesAt(ticket),
    };
  }

  async windowClosesAt(ticket: TicketView): Promise<number | undefined> {
    if (ticket.channelId !== 'whatsapp') return undefined;
    // The channel keeps the window (every instance agrees); none open means it closed already.
    return (await this.deps.gateways.windowClosesAt(ticket.reference)) ?? this.now();
  }

  async windowClosed(ticket: TicketView): Promise<boolean> {
    const closesAt = await this.windowClosesAt(ticket);
    return closesAt !== undefined && this.now() >= closesAt;
  }

  /** Outside the window only an approved template reaches the person (the WhatsApp channel sends it). */
  private async undeliverable(ticket: TicketView): Promise<boolean> {
    return !this.deps.config.TWILIO_TEMPLATE_SID && (await this.windowClosed(ticket));
  }

  private async sendToPerson(ticket: TicketView, logic: (context: TurnContext) => Promise<FollowUp | void>): Promise<SendResult> {
    try {
      await this.deps.continueConversation(ticket.reference, (ctx) => {
        ctx.turnState.set(TICKET_ID, ticket.id);
        return logic(ctx);
      });
      return 'sent';
    } catch (err) {
      this.deps.log.warn({ err: { type: (err as Error)?.name }, ticket: ticket.id }, 'agent message not delivered');
      return err instanceof WhatsAppWindowClosedError ? 'window_closed' : 'failed';
    }
  }
}

export type { TicketStatus };

/** Text plus the options offered, as the person read them. */
function readableText(activity: Partial<Activity>): string {
  const actions = activity.suggestedActions?.actions ?? [];
  const options = actions.map((a) => `[${a.title}]`).join(' ');
  return [activity.text ?? '', options].filter(Boolean).join('\n');
}

/** Steps that only move around (the menu, "try again?"): the place an agent needs is where the person got stuck. */
const NAVIGATION = /^(main\.menu|faq\.|[a-z]+\.retry$)/;

/** The step the person reached: the last one asked, unless it was a menu, then where they last failed. */
export function placeReached(step: string | undefined, failures: Array<{ step: string }>): string | undefined {
  if (!step || !NAVIGATION.test(step)) return step;
  return failures.at(-1)?.step ?? step;
}

/** The bot's long answers (FAQ, lists) are known text: the start is enough for an agent, and keeps transcripts small. */
const BOT_LINE_MAX = 160;
function shortened(text: string): string {
  return text.length <= BOT_LINE_MAX ? text : `${text.slice(0, BOT_LINE_MAX - 1).trimEnd()}…`;
}
