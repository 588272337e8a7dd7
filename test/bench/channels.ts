import { randomBytes } from 'node:crypto';
import twilio from 'twilio';
import { botFrameworkMessage } from '../helpers/activity';
import { inbound } from '../whatsapp/webhooks';
import { postJson, send } from './http';

/** One message the person reads: its text and, on button channels, the buttons. */
export interface Reply {
  text: string;
  buttons?: Array<{ title: string; value: string }>;
}

/** One simulated chat on one channel. `until` matches the last message of the turn. */
export interface Conversation {
  /** Opens the chat when the channel has such a step (Direct Line); not a turn. */
  open?(): Promise<void>;
  say(text: string, until: RegExp): Promise<Reply[]>;
  close?(): void;
}

export interface ChannelTarget {
  url: string;
}

const TURN_TIMEOUT_MS = 30_000;

function ok(status: number, what: string): void {
  if (status < 200 || status >= 300) throw new Error(`${what} answered ${status}`);
}

interface ActivityJson {
  type?: string;
  text?: string;
  from?: { id?: string; role?: string };
  suggestedActions?: { actions?: Array<{ title?: string; value?: string }> };
}

const toReply = (a: ActivityJson): Reply => ({
  text: a.text ?? '',
  buttons: a.suggestedActions?.actions?.map((b) => ({ title: b.title ?? '', value: String(b.value ?? b.title ?? '') })),
});

let counter = 0;
const uniqueId = (label: string) => `${label}-${process.pid}-${++counter}-${randomBytes(3).toString('hex')}`;

/** /api/messages with deliveryMode expectReplies: the replies come back in the response. */
export function botFrameworkConversation(target: ChannelTarget, channelId = 'emulator'): Conversation {
  const conversation = uniqueId('bench');
  return {
    async say(text) {
      const response = await postJson(
        `${target.url}/api/messages`,
        botFrameworkMessage({ text, channelId, from: { id: `${conversation}-user` }, conversation: { id: conversation } }),
        {},
        TURN_TIMEOUT_MS,
      );
      ok(response.status, '/api/messages');
      const { activities = [] } = JSON.parse(response.body) as { activities?: ActivityJson[] };
      return activities.filter((a) => a.type === 'message').map(toReply);
    },
  };
}

/** The bare echo route: a turn is one JSON POST. */
export function echoConversation(target: ChannelTarget): Conversation {
  return {
    async say(text) {
      const response = await postJson(`${target.url}/echo`, { type: 'message', text }, {}, TURN_TIMEOUT_MS);
      ok(response.status, '/echo');
      return (JSON.parse(response.body) as { activities: ActivityJson[] }).activities.map(toReply);
    },
  };
}

/** Self-hosted Direct Line over REST: token, start, then POST activity + GET activities?watermark per turn. */
export function directLineConversation(target: ChannelTarget): Conversation {
  let token = '';
  let conversationId = '';
  let watermark = '';
  const auth = () => ({ authorization: `Bearer ${token}` });
  const base = `${target.url}/v3/directline/conversations`;

  async function fetchNew(): Promise<ActivityJson[]> {
    const response = await send('GET', `${base}/${conversationId}/activities?watermark=${watermark}`, auth(), undefined, TURN_TIMEOUT_MS);
    ok(response.status, 'GET activities');
    const page = JSON.parse(response.body) as { activities: ActivityJson[]; watermark: string };
    watermark = page.watermark;
    return page.activities;
  }

  return {
    async open() {
      const issued = await postJson(`${target.url}/api/webchat/token`, { locale: 'es-EC' });
      ok(issued.status, 'token');
      ({ token, conversationId } = JSON.parse(issued.body) as { token: string; conversationId: string });
      const started = await postJson(base, {}, auth());
      ok(started.status, 'start conversation');
      // The greeting: read it so the first turn's page holds only its own replies.
      await fetchNew();
    },
    async say(text) {
      const posted = await postJson(
        `${base}/${conversationId}/activities`,
        { type: 'message', from: { id: 'page' }, text, locale: 'es-EC' },
        auth(),
        TURN_TIMEOUT_MS,
      );
      ok(posted.status, 'POST activity');
      // The POST returns when the turn is over, so one read holds every reply.
      const activities = await fetchNew();
      return activities.filter((a) => a.type === 'message' && a.from?.role !== 'user').map(toReply);
    },
  };
}

interface Pending {
  until: RegExp;
  replies: Reply[];
  resolve(replies: Reply[]): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/**
 * WhatsApp: signed webhooks in; the replies reach the Twilio stand-in (in this process)
 * asynchronously. A turn ends when a reply matching `until` (the next question) arrives:
 * the bot sends a turn's messages one after another, so that one is the last.
 */
export class WhatsAppRouter {
  /** Replies that came when their person was not waiting for any (a wrong or late turn). */
  unexpected = 0;
  private readonly pending = new Map<string, Pending>();
  private serial = 0;

  constructor(
    private readonly authToken: string,
    private readonly publicBaseUrl: string,
    private readonly accountSid: string,
    private readonly sender: string,
  ) {}

  /** Called by the Twilio stand-in for every message the assistant sends. */
  onMessage = (to: string, body: string): void => {
    const waiting = this.pending.get(to);
    if (!waiting) {
      this.unexpected += 1;
      return;
    }
    waiting.replies.push({ text: body });
    if (waiting.until.test(body)) {
      clearTimeout(waiting.timer);
      this.pending.delete(to);
      waiting.resolve(waiting.replies);
    }
  };

  conversation(target: ChannelTarget): Conversation {
    // A new number per person: +593 9 and eight digits.
    const number = `whatsapp:+5939${String(10_000_000 + ((process.pid * 7919 + ++this.serial) % 90_000_000)).slice(-8)}`;
    return {
      say: (text, until) => this.say(target, number, text, until),
      close: () => this.pending.delete(number),
    };
  }

  private async say(target: ChannelTarget, from: string, text: string, until: RegExp): Promise<Reply[]> {
    if (this.pending.has(from)) throw new Error('a turn is already waiting for this person');
    const done = new Promise<Reply[]>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(from);
        reject(new Error(`no reply matching ${until} within ${TURN_TIMEOUT_MS} ms`));
      }, TURN_TIMEOUT_MS);
      this.pending.set(from, { until, replies: [], resolve, reject, timer });
    });
    const params = inbound(from, text, { AccountSid: this.accountSid, To: this.sender });
    const signature = twilio.getExpectedTwilioSignature(this.authToken, `${this.publicBaseUrl}/api/whatsapp`, params);
    const response = await send(
      'POST',
      `${target.url}/api/whatsapp`,
      { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
      new URLSearchParams(params).toString(),
      TURN_TIMEOUT_MS,
    ).catch((error: Error) => ({ status: 0, body: error.message }));
    if (response.status !== 200) {
      const waiting = this.pending.get(from);
      if (waiting) {
        clearTimeout(waiting.timer);
        this.pending.delete(from);
      }
      throw new Error(`webhook answered ${response.status}${response.status === 0 ? ` (${response.body})` : ''}`);
    }
    return done;
  }
}
