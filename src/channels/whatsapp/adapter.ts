import { type Activity, ActivityTypes, type ConversationReference, type ResourceResponse, type TurnContext } from 'botbuilder';
import { type Logger, logTag } from '../../log';
import { type BotLogic, ChannelAdapter, honourDelay } from '../channelAdapter';
import type { Choice, ChoiceContents } from './content';
import { renderActivityText, splitMessage } from './format';
import { errorCodeLabel, type WhatsAppMetrics } from './metrics';
import { WHATSAPP_CHANNEL_ID, type WhatsAppSettings } from './settings';
import type { TwilioClient } from './twilioClient';
import type { ServiceWindow } from './window';
import { WhatsAppWindowClosedError } from '../../errors';

/** Hears that a message to a WhatsApp address failed, with Twilio's error code ('timeout' when it never answered). */
export type DeliveryFailureHandler = (to: string, errorCode: string) => Promise<void>;

/** Set on a proactive turn outside the window: its messages go as the approved template. */
const USE_TEMPLATE = Symbol('whatsapp.useTemplate');

/** The sentences of the turn in progress, sent together when it ends. */
const PENDING = Symbol('whatsapp.pending');

/** One message of a turn: as numbered text, and, when it asks to choose, its text alone and its options. */
interface Pending {
  text: string;
  question?: { text: string; choices: Choice[] };
}

/** The options of a message (suggested actions): what the person reads and what a tap sends back. */
function choicesOf(activity: Partial<Activity>): Choice[] {
  return (activity.suggestedActions?.actions ?? []).map((a) => {
    const label = (a.title || (typeof a.value === 'string' ? a.value : '')).trim();
    return { label, id: typeof a.value === 'string' && a.value ? a.value : label };
  });
}

/** Longest the reply waits for a typing-indicator request still under way. */
const TYPING_WAIT_MS = 3_000;

const ADDRESS = /^whatsapp:\+\d{6,15}$/;

/** WhatsApp refuses template variables with line breaks, tabs or long runs of spaces, and caps a template's body. */
const TEMPLATE_VARIABLE_MAX = 900;
const asTemplateVariable = (text: string) => text.replace(/\s*\n\s*/g, ' · ').replace(/\s{2,}/g, ' ');

/**
 * The Bot Framework side of WhatsApp: activities in from Twilio's webhook, replies out
 * through the twilio client, one message after another, in order.
 */
export class WhatsAppAdapter extends ChannelAdapter {
  readonly channelIds = [WHATSAPP_CHANNEL_ID] as const;

  constructor(
    private readonly client: TwilioClient,
    private readonly settings: WhatsAppSettings,
    private readonly window: ServiceWindow,
    private readonly log: Logger,
    private readonly metrics: WhatsAppMetrics,
    /** Buttons and lists through the Content API; without it options go as numbered text. */
    private readonly contents?: ChoiceContents,
    /** Told when a message to `to` did not go out or was not delivered (the handoff notes it for the agent). */
    readonly onDeliveryFailure?: DeliveryFailureHandler,
  ) {
    super();
  }

  /**
   * A turn's sentences go out together when it ends: one WhatsApp message (split only past
   * the size limit) instead of one per sentence — fewer notifications for the person, fewer
   * paid API calls for the operator.
   */
  override receiveActivity(activity: Partial<Activity>, logic: BotLogic): Promise<void> {
    return super.receiveActivity(activity, (context) => this.inOneMessage(context, logic));
  }

  async sendActivities(context: TurnContext, activities: Partial<Activity>[]): Promise<ResourceResponse[]> {
    const pending = context.turnState.get<Pending[] | undefined>(PENDING);
    const responses: ResourceResponse[] = [];
    for (const activity of activities) {
      if (activity.type === 'delay') await honourDelay(activity);
      if (activity.type !== ActivityTypes.Message) {
        responses.push({ id: '' });
        continue;
      }
      const text = renderActivityText(activity);
      if (pending) {
        const choices = choicesOf(activity);
        const question = choices.length ? { text: renderActivityText({ ...activity, suggestedActions: undefined }), choices } : undefined;
        pending.push({ text, question });
        responses.push({ id: '' });
      } else {
        const to = activity.conversation?.id ?? context.activity.conversation?.id ?? '';
        responses.push({ id: await this.deliver(context, to, text) });
      }
    }
    return responses;
  }

  private async inOneMessage(context: TurnContext, logic: BotLogic): Promise<void> {
    const pending: Pending[] = [];
    context.turnState.set(PENDING, pending);
    const typing = this.typingWhileSlow(context);
    try {
      await logic(context);
    } finally {
      context.turnState.delete(PENDING);
      // The indicator is never shown after the reply: stopped, and any request under way answered, first.
      await typing.stop();
      if (pending.length) await this.deliverTurn(context, context.activity.conversation?.id ?? '', pending);
    }
  }

  /**
   * A turn that ends with a question with options goes out with the options as buttons or a
   * list (Content API) when it can; otherwise, or when that send fails, as numbered text.
   */
  private async deliverTurn(context: TurnContext, to: string, pending: Pending[]): Promise<void> {
    const question = pending.at(-1)?.question;
    const asText = () => this.deliver(context, to, pending.map((p) => p.text).join('\n\n'));
    if (!question) {
      await asText();
      return;
    }
    const proactive = context.turnState.get(USE_TEMPLATE) === true;
    if (!this.contents || proactive) {
      this.metrics.choices.inc({ as: 'text', why: this.contents ? 'unsuitable' : 'not_configured' });
      await asText();
      return;
    }
    const before = pending
      .slice(0, -1)
      .map((p) => p.text)
      .join('\n\n');
    // The question carries what came before it when that fits; otherwise that goes first, as text.
    const together = [before, question.text].filter(Boolean).join('\n\n');
    let plan = await this.contents.plan(together, question.choices, context.activity.locale);
    let sentBefore = false;
    if (plan.as === 'text' && before && plan.why === 'unsuitable') {
      plan = await this.contents.plan(question.text, question.choices, context.activity.locale);
      sentBefore = plan.as !== 'text';
    }
    if (plan.as === 'text') {
      this.metrics.choices.inc({ as: 'text', why: plan.why });
      await asText();
      return;
    }
    if (sentBefore) await this.deliver(context, to, before);
    try {
      await this.send(
        to,
        { contentSid: plan.contentSid, contentVariables: plan.contentVariables },
        plan.as === 'quick-reply' ? 'quick_reply' : 'list_picker',
      );
      this.metrics.choices.inc({ as: plan.as === 'quick-reply' ? 'quick_reply' : 'list_picker', why: 'none' });
    } catch (error) {
      // Twilio no longer has the content (removed in the Console): found or made again next time.
      if ((error as { status?: number })?.status === 404) await this.contents.forget(plan.contentSid);
      this.metrics.choices.inc({ as: 'text', why: 'failed' });
      if (sentBefore) await this.deliver(context, to, pending.at(-1)!.text);
      else await asText();
    }
  }

  /**
   * When a turn for a person's message takes longer than a moment, WhatsApp shows
   * "escribiendo…" on that message (Twilio's typing indicator, which also marks it read)
   * until the reply arrives or 25 s pass.
   */
  private typingWhileSlow(context: TurnContext): { stop(): Promise<void> } {
    const messageId = (context.activity.channelData as { MessageSid?: unknown } | undefined)?.MessageSid;
    if (!this.settings.typingAfterMs || context.activity.type !== 'message' || typeof messageId !== 'string')
      return { stop: async () => undefined };
    let request: Promise<void> | undefined;
    const timer = setTimeout(() => {
      request = this.client.messaging.v2.typingIndicator.create({ channel: 'whatsapp', messageId }).then(
        () => this.metrics.typing.inc({ result: 'sent' }),
        (error: { status?: number; code?: number }) => {
          this.metrics.typing.inc({ result: 'failed' });
          this.log.debug({ httpStatus: error?.status, errorCode: error?.code }, 'typing indicator refused');
        },
      );
    }, this.settings.typingAfterMs);
    return {
      async stop() {
        clearTimeout(timer);
        // Bounded: a hanging indicator must not hold the reply back.
        if (request) await Promise.race([request, new Promise((resolve) => setTimeout(resolve, TYPING_WAIT_MS).unref())]);
      },
    };
  }

  /** Sends one text, split to WhatsApp's size, as a session message or the approved template. */
  private async deliver(context: TurnContext, to: string, text: string): Promise<string> {
    const useTemplate = context.turnState.get(USE_TEMPLATE) === true;
    const bodies = useTemplate ? splitMessage(asTemplateVariable(text), TEMPLATE_VARIABLE_MAX) : splitMessage(text);
    let id = '';
    for (const body of bodies)
      id = useTemplate
        ? await this.send(to, { contentSid: this.settings.templateSid, contentVariables: JSON.stringify({ 1: body }) }, 'template')
        : await this.send(to, { body }, 'session');
    return id;
  }

  private async send(
    to: string,
    content: { body: string } | { contentSid?: string; contentVariables: string },
    kind: 'session' | 'template' | 'quick_reply' | 'list_picker',
  ): Promise<string> {
    if (!ADDRESS.test(to)) throw new Error('not a WhatsApp address');
    try {
      const message = await this.client.messages.create({
        from: this.settings.from,
        to,
        statusCallback: `${this.settings.publicBaseUrl}/api/whatsapp/status`,
        ...content,
      });
      this.metrics.sent.inc({ kind });
      return message.sid;
    } catch (error) {
      const { code, status } = (error ?? {}) as { code?: unknown; status?: unknown };
      const errorCode = errorCodeLabel(code);
      this.metrics.sendFailures.inc({ error_code: errorCode });
      this.log.warn(
        { errorCode, httpStatus: typeof status === 'number' ? status : undefined, recipient: logTag(to, this.settings.secret) },
        'whatsapp message refused by twilio',
      );
      // Twilio's trouble (5xx) or no answer in time: the message may or may not exist, so it is
      // not sent again; an agent serving this person hears it did not go out.
      if (typeof status !== 'number' || status >= 500)
        await this.onDeliveryFailure?.(to, errorCode === 'none' ? 'timeout' : errorCode).catch(() => undefined);
      throw error;
    }
  }

  windowClosesAt(reference: Partial<ConversationReference>): Promise<number | undefined> {
    return this.window.closesAt(reference.conversation?.id ?? '');
  }

  /**
   * Sends messages later (key changed, an agent's reply). Inside the service window they go
   * as ordinary messages; outside it as the approved template when one is configured, and
   * otherwise nothing is sent and WhatsAppWindowClosedError tells the caller.
   */
  async continueConversation(reference: Partial<ConversationReference>, logic: (context: TurnContext) => Promise<void>): Promise<void> {
    const address = reference.conversation?.id ?? '';
    if (!ADDRESS.test(address)) throw new Error('not a WhatsApp conversation');
    const open = await this.window.isOpen(address);
    if (!open && !this.settings.templateSid) throw new WhatsAppWindowClosedError(this.settings.windowMs / 3_600_000);
    await this.runContinuation(
      { ...reference, channelId: WHATSAPP_CHANNEL_ID },
      (context) => this.inOneMessage(context, logic),
      (context) => {
        if (!open) context.turnState.set(USE_TEMPLATE, true);
      },
    );
  }
}
