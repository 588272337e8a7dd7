import { randomUUID } from 'node:crypto';
import type { Activity } from 'botbuilder';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type App, type AppOverrides, createApp } from '../../src/app';
import { InProcessAdapter, readableText } from '../../src/channels/inProcess';
import { type Config, testConfig } from '../../src/config';
import { latestCodeFor } from '../../src/recovery/mail';
import { ACCOUNT_SID, AUTH_TOKEN, whatsappEnv } from '../whatsapp/webhooks';
import { FakeTwilio } from './fakeTwilio';

export type TestApp = Awaited<ReturnType<typeof startTestApp>>;

/** Parts of the world around the app that a test may ask for. */
export interface TestParts {
  /** WhatsApp on, against this stand-in of Twilio's REST API (`true`: a new one, closed with the app). */
  twilio?: FakeTwilio | true;
  /** The in-process channels `chat()` opens conversations on (default: 'console' alone). */
  chats?: InProcessChats;
}

/**
 * The in-process channels of a test, one adapter per channel id, each reply handed to the
 * conversation it belongs to. A test that chats as the web widget ('directline') or WhatsApp
 * names them, and their later messages then come here, not to the app's real channel of that
 * id. The instances of a group share one, so any of them reaches the person, as a real channel does.
 */
export class InProcessChats {
  readonly adapters: readonly InProcessAdapter[];
  private readonly conversations = new Map<string, TestConversation>();
  private next = 0;
  // Instances of one test share Redis: their conversation ids must not meet.
  private readonly prefix = `conv-${process.pid}-${randomUUID().slice(0, 8)}`;

  constructor(channelIds: readonly string[] = ['console']) {
    this.adapters = channelIds.map(
      (id) => new InProcessAdapter(id, (activity, conversationId) => this.conversations.get(conversationId)?.receive(activity)),
    );
  }

  /** A new conversation on `channelId`, whose turns `app` runs. */
  open(channelId: string, app: App, locale: string): TestConversation {
    const adapter = this.adapters.find((a) => a.channelId === channelId);
    if (!adapter)
      throw new Error(`no in-process "${channelId}" channel: give the app { chats: new InProcessChats([..., '${channelId}']) }`);
    const conversation = new TestConversation(adapter, app, `${this.prefix}-${this.next++}`, locale);
    this.conversations.set(conversation.id, conversation);
    return conversation;
  }
}

/**
 * The whole app on a free port, with its own outbox folder: `env` is its configuration,
 * `overrides` the parts built by the test (a logger, a directory, a mailer), `parts` the
 * stand-ins it talks to.
 */
export async function startTestApp(env: Partial<Record<keyof Config, string>> = {}, overrides: AppOverrides = {}, parts: TestParts = {}) {
  const twilio = parts.twilio === true ? await FakeTwilio.start(ACCOUNT_SID, AUTH_TOKEN) : parts.twilio;
  const outbox = mkdtempSync(join(tmpdir(), 'iess-outbox-'));
  const config = testConfig({ OUTBOX_DIR: outbox, ...(twilio ? whatsappEnv(twilio.url) : {}), ...env });
  const chats = parts.chats ?? new InProcessChats();
  const app = await createApp(config, { ...overrides, channels: [...(overrides.channels ?? []), ...chats.adapters] });
  const url = await app.listen();

  return {
    app,
    url,
    outbox,
    config,
    /** A new conversation on an in-process channel ('console' renders numbered lists, 'directline' buttons). */
    chat(channelId = 'console', locale = 'es-EC') {
      return chats.open(channelId, app, locale);
    },
    /** The stand-in of Twilio, when WhatsApp was asked for. */
    twilio,
    /** Waits until the code emails being sent have reached the outbox (they go out after the reply). */
    async mailSent() {
      if (!(await app.services.codes.drain(10_000))) throw new Error('code emails still being sent after 10 s');
    },
    /** The newest code emailed to `email`, read from the outbox as the person reads it. */
    async code(email: string): Promise<string> {
      await this.mailSent();
      const code = await latestCodeFor(outbox, email);
      if (!code) throw new Error(`no code in the outbox for ${email}`);
      return code;
    },
    async close() {
      await app.close(2_000);
      rmSync(outbox, { recursive: true, force: true });
      if (parts.twilio === true) await twilio?.close();
    },
  };
}

export class TestConversation {
  /** Everything the bot said, in order. */
  readonly transcript: string[] = [];
  /** The same as activities, for what the text does not show (cards, buttons, Markdown). */
  readonly activities: Partial<Activity>[] = [];
  private current: Partial<Activity>[] | undefined;
  /** Messages that arrived outside a turn (key changed, agent replies). */
  readonly later: string[] = [];

  constructor(
    /** The in-process channel the person writes on. */
    readonly adapter: InProcessAdapter,
    private readonly app: App,
    readonly id: string,
    private readonly locale: string,
  ) {}

  receive(activity: Partial<Activity>) {
    const text = readableText(activity);
    this.transcript.push(text);
    this.activities.push(activity);
    if (this.current) this.current.push(activity);
    else this.later.push(text);
  }

  /** Sends one message and returns the bot's replies to it. */
  async say(text: string): Promise<string[]> {
    return (await this.sayActivities(text)).map(readableText);
  }

  async sayActivities(text: string): Promise<Partial<Activity>[]> {
    const replies: Partial<Activity>[] = [];
    this.current = replies;
    try {
      await this.adapter.receive(this.id, text, (ctx) => this.app.bot.run(ctx), this.locale);
    } finally {
      this.current = undefined;
    }
    return replies;
  }
}
