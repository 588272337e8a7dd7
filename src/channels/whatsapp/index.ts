import { ActionTypes, type Activity, ActivityTypes, MessageFactory, type TurnContext } from 'botbuilder';
import type restify from 'restify';
import type { z } from 'zod';
import type { Config } from '../../config';
import { ConversationBusyError } from '../../errors';
import { InFlight } from '../../inFlight';
import { logTag } from '../../log';
import { textBody } from '../../http/body';
import type { Channel, ChannelDeps, ChannelGateway, ConversationTurns } from '../types';
import { type DeliveryFailureHandler, WhatsAppAdapter } from './adapter';
import { ChoiceContents, ContentRegistry } from './content';
import { mediaKindOf, mediaSidsOf } from './media';
import { createWhatsAppMetrics } from './metrics';
import { WHATSAPP_CHANNEL_ID, type WhatsAppConfig, whatsappSettings } from './settings';
import { HeardTranscripts } from './heard';
import { TwilioRetention } from './retention';
import { SpeechToText } from './speech';
import { createTwilioClient } from './twilioClient';
import {
  EMPTY_TWIML,
  type FormParams,
  type InboundMessage,
  inboundMessageSchema,
  parseForm,
  signatureIsValid,
  statusCallbackSchema,
} from './webhook';
import { ServiceWindow } from './window';
import { fold } from '../../understanding/text';

export { WhatsAppAdapter } from './adapter';
export { WHATSAPP_CHANNEL_ID, whatsappConfigured } from './settings';

/** Twilio retries a webhook it thinks failed; one day covers every retry. */
const DEDUPE_TTL_MS = 24 * 3_600_000;
const MAX_BODY_BYTES = 64 * 1024;
/** Lower case, no accents, no closing punctuation: how a "sí" is compared. */
const answerOf = (text: string) =>
  fold(text)
    .replace(/[.!¡¿?,]+/g, '')
    .replace(/\s+/g, ' ')
    .trim();
const FAILED_STATUSES = new Set(['failed', 'undelivered']);
/** Statuses after which an outbound message changes no more, so Twilio lets it be deleted. */
const FINAL_STATUSES = new Set(['delivered', 'read', 'failed', 'undelivered']);
/** What a person sends that is never read, and may be a photo of a document: deleted at once. */
const DELETE_AT_ONCE = new Set(['image', 'video', 'document', 'sticker', 'other']);

export type WhatsAppDeps = ChannelDeps<WhatsAppChannelConfig>;

/** The settings WhatsApp reads: Twilio's, and the voice-note transcription's. */
export type WhatsAppChannelConfig = WhatsAppConfig &
  Pick<
    Config,
    'SPEECH_TO_TEXT_URL' | 'SPEECH_TO_TEXT_TOKEN' | 'SPEECH_TO_TEXT_MODEL' | 'SPEECH_TO_TEXT_TIMEOUT_MS' | 'WHATSAPP_AUDIO_MAX_BYTES'
  >;

/** A turn of the bot, run inside the turn order the channel holds. */
type Turn = (context: TurnContext) => Promise<void>;

/**
 * WhatsApp through Twilio: POST /api/whatsapp (messages) and POST /api/whatsapp/status
 * (delivery receipts), both signed by Twilio. The webhook is answered at once with empty
 * TwiML; the turn runs right after, in arrival order per person, and replies go out
 * through the twilio client (the gateway). WhatsApp reads its own store before each turn, so
 * it holds the conversation's turn order itself (`inOrder`).
 */
export function createWhatsAppChannel(deps: WhatsAppDeps, onDeliveryFailure?: DeliveryFailureHandler): Channel<ConversationTurns> {
  const { config, store, log, texts } = deps;
  const settings = whatsappSettings(config);
  const metrics = createWhatsAppMetrics(deps.metrics.registry);
  const window = new ServiceWindow(store, settings.windowMs, settings.secret);
  const client = createTwilioClient(settings);
  const contents = settings.contentApi
    ? new ChoiceContents(new ContentRegistry(client, store, log, metrics.contents), (locale) =>
        texts.t(locale === 'en' ? 'en' : settings.locale, 'whatsapp:listButton'),
      )
    : undefined;
  const adapter = new WhatsAppAdapter(client, settings, window, log, metrics, contents, onDeliveryFailure);
  const retention = new TwilioRetention(client, settings.deleteAfterMs, log, metrics.deletions);
  const speech = config.SPEECH_TO_TEXT_URL
    ? new SpeechToText(
        {
          url: config.SPEECH_TO_TEXT_URL,
          token: config.SPEECH_TO_TEXT_TOKEN,
          model: config.SPEECH_TO_TEXT_MODEL,
          maxBytes: config.WHATSAPP_AUDIO_MAX_BYTES,
          timeoutMs: config.SPEECH_TO_TEXT_TIMEOUT_MS,
        },
        settings,
      )
    : undefined;
  // Without speech to text no voice note is heard, so no message waits for its "sí".
  const heard = speech && new HeardTranscripts(store, settings.secret);
  const t = (key: string, values?: Record<string, string>) => texts.t(settings.locale, key, values);
  /** Webhooks answered whose turn has not ended yet. */
  const accepted = new InFlight();
  const gateway: ChannelGateway = {
    channelIds: adapter.channelIds,
    continueConversation: (reference, logic) => adapter.continueConversation(reference, logic),
    windowClosesAt: (reference) => adapter.windowClosesAt(reference),
    // On shutdown, webhooks already answered still get their turn, and what waits to be deleted is deleted.
    drain: async (timeoutMs) => {
      const drained = await accepted.drain(timeoutMs);
      return (await retention.flush(timeoutMs)) && drained;
    },
  };
  const readBody = textBody({ maxBytes: MAX_BODY_BYTES });

  /** A signed webhook's form and its fields as `schema` reads them; undefined once it was refused. */
  function verifiedWebhook<T>(
    req: restify.Request,
    res: restify.Response,
    schema: z.ZodType<T>,
    what: string,
  ): { params: FormParams; data: T } | undefined {
    const params = verifiedParams(req, res);
    if (!params) return undefined;
    const parsed = schema.safeParse(params);
    if (parsed.success) return { params, data: parsed.data };
    metrics.webhooks.inc({ result: 'malformed' });
    res.send(400, { error: `not a ${what}` });
    return undefined;
  }

  /** The form fields when the request is Twilio's; otherwise answers 403/415 and returns undefined. */
  function verifiedParams(req: restify.Request, res: restify.Response): FormParams | undefined {
    const signature = req.header('x-twilio-signature');
    const refuse = (status: number, result: string) => {
      metrics.webhooks.inc({ result });
      res.send(status, { error: result });
      return undefined;
    };
    if (!signature) return refuse(403, 'forbidden');
    if (req.getContentType().toLowerCase() !== 'application/x-www-form-urlencoded') return refuse(415, 'unsupported');
    const raw = typeof req.body === 'string' ? req.body : Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
    const params = parseForm(raw);
    const url = `${settings.publicBaseUrl}${req.url ?? ''}`;
    if (!signatureIsValid(settings.authToken, signature, url, params)) return refuse(403, 'forbidden');
    return params;
  }

  /**
   * True the first time a message is seen (Twilio retries a webhook it thinks failed); the
   * 24-hour window is touched with it, in the same round trip. A repeated webhook is still a
   * message the person sent, so touching the window again is harmless.
   */
  function firstSeen(message: InboundMessage): Promise<boolean> {
    return Promise.all([store.setIfAbsent(`wa:msg:${message.MessageSid}`, '1', DEDUPE_TTL_MS), window.touch(message.From)]).then(
      ([fresh]) => fresh,
    );
  }

  /** Handles one message, then has Twilio forget it (body and media) once it is no longer needed. */
  async function handleInbound(message: InboundMessage, mediaSids: string[], seen: Promise<boolean>, turn: Turn): Promise<void> {
    const kind = mediaKindOf(message);
    const deletion = { messageSid: message.MessageSid, mediaSids };
    const atOnce = kind !== undefined && DELETE_AT_ONCE.has(kind);
    if (atOnce) retention.now(deletion);
    try {
      await handleMessage(message, kind, seen, turn);
    } finally {
      if (!atOnce) retention.later(deletion);
    }
  }

  async function handleMessage(
    message: InboundMessage,
    kind: ReturnType<typeof mediaKindOf>,
    seen: Promise<boolean>,
    turn: Turn,
  ): Promise<void> {
    let fresh: boolean;
    try {
      fresh = await seen;
    } catch (error) {
      // The store is down or frozen: the message cannot be handled safely now. The person is
      // told to send it again in a minute (the answer needs no store), so nothing is lost unseen.
      metrics.webhooks.inc({ result: 'unavailable' });
      log.warn(
        { err: { type: (error as Error)?.name }, sender: logTag(message.From, settings.secret) },
        'whatsapp message not handled: store unavailable',
      );
      await adapter.receiveActivity(toActivity(message, ''), async (context) => {
        await context.sendActivity(texts.t(settings.locale, 'common:error'));
      });
      return;
    }
    if (!fresh) {
      metrics.webhooks.inc({ result: 'duplicate' });
      return;
    }
    metrics.webhooks.inc({ result: 'accepted' });
    // A tapped button or list item sends back its option's own value: the dialogs read it as if typed.
    const text = (message.ButtonPayload || message.ListId || message.Body || message.ButtonText || '').trim();
    if (kind === 'audio' && speech && heard && message.MediaUrl0) return hearVoiceNote(message, message.MediaUrl0, speech, heard, turn);
    // A voice note heard a moment ago waits for "sí" before what it said is used.
    // (A store that fails here fails the turn too, which then answers "inténtalo en un minuto".)
    const held = text && heard ? await heard.take(message.From).catch(() => undefined) : undefined;
    if (held !== undefined) {
      const answer = yesOrNo(text);
      if (answer === 'yes') return runTurn(message, held, turn);
      if (answer === 'no') return say(message, t('whatsapp:heardRetry'));
    }
    // Media gets a kind line and the flow waits where it was; a caption still runs the turn.
    // (An empty turn would count as a wrong answer in the current question.)
    if (!kind && !text) return;
    await answered(message, () =>
      adapter.receiveActivity(toActivity(message, text), async (context: TurnContext) => {
        if (kind) await context.sendActivity(t(`whatsapp:media.${kind}`));
        if (text) await turn(context);
      }),
    );
  }

  /**
   * Runs a turn; when its reply could not be handed to Twilio (a 5xx or no answer in time:
   * the message may exist, so it is not sent again) the person still gets one short line.
   * A refusal (4xx: window closed, number blocked) would refuse that line too.
   */
  async function answered(message: InboundMessage, turn: () => Promise<void>): Promise<void> {
    try {
      await turn();
    } catch (error) {
      const status = (error as { status?: unknown })?.status;
      if (typeof status !== 'number' || status >= 500) await say(message, t('common:error')).catch(() => undefined);
      throw error;
    }
  }

  /**
   * A voice note is transcribed and echoed ("Entendí: …"), then handled as if typed; when it
   * holds a number (a cédula, a code, a date) the person confirms it first.
   */
  async function hearVoiceNote(
    message: InboundMessage,
    mediaUrl: string,
    speech: SpeechToText,
    heard: HeardTranscripts,
    turn: Turn,
  ): Promise<void> {
    // One turn from the start, so a slow transcription shows "escribiendo…" too.
    await answered(message, () =>
      adapter.receiveActivity(toActivity(message, ''), async (context: TurnContext) => {
        const transcript = await transcribe(speech, message, mediaUrl);
        if (!transcript) {
          await context.sendActivity(t('whatsapp:audioNotUnderstood'));
          return;
        }
        if (/\d/.test(transcript)) {
          // Without the store the number cannot wait for its "sí": the person is asked to try again.
          if (
            !(await heard.hold(message.From, transcript).then(
              () => true,
              () => false,
            ))
          ) {
            await context.sendActivity(t('common:error'));
            return;
          }
          const [yes, no] = [t('common:options.yes'), t('common:options.no')];
          const actions = [yes, no].map((title) => ({ type: ActionTypes.ImBack, title, value: title }));
          await context.sendActivity(MessageFactory.suggestedActions(actions, t('whatsapp:heardConfirm', { text: transcript })));
          return;
        }
        await context.sendActivity(t('whatsapp:heard', { text: transcript }));
        context.activity.text = transcript;
        await turn(context);
      }),
    );
  }

  /** The words of a voice note, or '' when it could not be heard (counted and logged, without its content). */
  async function transcribe(speech: SpeechToText, message: InboundMessage, mediaUrl: string): Promise<string> {
    try {
      const transcript = await speech.transcribe(mediaUrl, message.MediaContentType0 ?? 'audio/ogg');
      metrics.voiceNotes.inc({ result: transcript ? 'heard' : 'empty' });
      return transcript;
    } catch (error) {
      const reason = (error as { reason?: string })?.reason ?? 'failed';
      metrics.voiceNotes.inc({ result: reason });
      log.warn({ reason, sender: logTag(message.From, settings.secret) }, 'whatsapp voice note not transcribed');
      return '';
    }
  }

  /** Runs the bot on `text` as this message's words (a heard number the person confirmed). */
  async function runTurn(message: InboundMessage, text: string, turn: Turn): Promise<void> {
    await answered(message, () => adapter.receiveActivity(toActivity(message, text), turn));
  }

  /** One line from the channel itself, with no turn of the bot. */
  async function say(message: InboundMessage, reply: string | Partial<Activity>): Promise<void> {
    await adapter.receiveActivity(toActivity(message, ''), async (context) => {
      await context.sendActivity(reply);
    });
  }

  /** "sí" / "no" in the words people use (locales), or neither. */
  function yesOrNo(text: string): 'yes' | 'no' | undefined {
    const folded = answerOf(text);
    const words = (kind: 'yes' | 'no') =>
      [t(`common:options.${kind}`), ...texts.list(settings.locale, `common:synonyms.${kind}`)].map(answerOf);
    if (words('yes').includes(folded)) return 'yes';
    if (words('no').includes(folded)) return 'no';
    return undefined;
  }

  function toActivity(message: InboundMessage, text: string): Partial<Activity> {
    return {
      type: ActivityTypes.Message,
      id: message.MessageSid,
      text,
      locale: settings.locale,
      channelId: WHATSAPP_CHANNEL_ID,
      serviceUrl: settings.publicBaseUrl,
      timestamp: new Date(),
      conversation: { id: message.From, isGroup: false, conversationType: 'personal', name: '' },
      from: { id: message.From, name: '' },
      recipient: { id: message.To, name: '' },
      channelData: { MessageSid: message.MessageSid, NumMedia: message.NumMedia, MessageType: message.MessageType },
    };
  }

  function listen(server: restify.Server, bot: ConversationTurns): void {
    server.post('/api/whatsapp', readBody, async (req: restify.Request, res: restify.Response) => {
      const webhook = verifiedWebhook(req, res, inboundMessageSchema, 'WhatsApp message webhook');
      if (!webhook) return;
      const { params, data: message } = webhook;
      const mediaSids = mediaSidsOf(params, message.NumMedia);
      // Asked while the turn order is joined, not after: one round trip less before the turn.
      // (Awaited, and its failure answered, inside the turn; never left unhandled.)
      const seen = firstSeen(message);
      seen.catch(() => undefined);
      // The turn order is joined before answering, so turns keep the order the webhooks came in.
      let started = false;
      const handled = bot
        .inOrder(WHATSAPP_CHANNEL_ID, message.From, (turn) => {
          started = true;
          return handleInbound(message, mediaSids, seen, turn);
        })
        .catch(async (error: Error) => {
          log.error({ err: { type: error?.name }, sender: logTag(message.From, settings.secret) }, 'whatsapp message not handled');
          if (started) return;
          // The turn order could not be had (the store is down, or another instance kept the
          // conversation too long): the person is asked to send it again, so nothing is lost unseen.
          const busy = error instanceof ConversationBusyError;
          metrics.webhooks.inc({ result: busy ? 'busy' : 'unavailable' });
          await say(message, t(busy ? 'common:busy' : 'common:error')).catch(() => undefined);
        });
      void accepted.track(handled);
      res.sendRaw(200, EMPTY_TWIML, { 'Content-Type': 'text/xml' });
    });

    server.post('/api/whatsapp/status', readBody, async (req: restify.Request, res: restify.Response) => {
      const webhook = verifiedWebhook(req, res, statusCallbackSchema, 'message status callback');
      if (!webhook) return;
      const { MessageSid, MessageStatus, ErrorCode, To } = webhook.data;
      metrics.statuses.inc({ status: MessageStatus, error_code: ErrorCode || 'none' });
      // What the assistant sent (a masked email, the new-key link) leaves Twilio too, once it is final.
      if (FINAL_STATUSES.has(MessageStatus)) retention.later({ messageSid: MessageSid });
      if (FAILED_STATUSES.has(MessageStatus) || ErrorCode) {
        log.warn(
          {
            messageSid: MessageSid,
            status: MessageStatus,
            errorCode: ErrorCode || undefined,
            recipient: To ? logTag(To, settings.secret) : undefined,
          },
          'whatsapp delivery failed',
        );
        if (FAILED_STATUSES.has(MessageStatus) && To)
          await adapter
            .onDeliveryFailure?.(To, ErrorCode)
            .catch((error: Error) => log.warn({ err: { type: error?.name } }, 'delivery failure not noted'));
      }
      res.send(204);
    });
  }

  return { gateway, listen };
}
