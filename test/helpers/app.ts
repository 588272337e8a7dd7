import { randomUUID } from 'node:crypto';
import type { Activity } from 'botbuilder';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AppOverrides, createApp } from '../../src/app';
import { InProcessAdapter, readableText } from '../../src/channels/inProcess';
import { type Config, testConfig } from '../../src/config';

export type TestApp = Awaited<ReturnType<typeof startTestApp>>;

/** The whole app on a free port, with its own outbox folder. */
export async function startTestApp(env: Partial<Record<keyof Config, string>> = {}, overrides: AppOverrides = {}) {
  const outbox = mkdtempSync(join(tmpdir(), 'iess-outbox-'));
  const config = testConfig({ OUTBOX_DIR: outbox, ...env });
  const app = await createApp(config, overrides);
  const url = await app.listen();
  const channels = new Map<string, InProcessAdapter>();
  const conversations = new Map<string, TestConversation>();
  let next = 0;
  // Instances of one test share Redis: their conversation ids must not meet.
  const instance = randomUUID().slice(0, 8);

  const channel = (channelId: string) => {
    let adapter = channels.get(channelId);
    if (!adapter) {
      adapter = new InProcessAdapter(channelId, (activity, conversationId) =>
        conversations.get(conversationId)?.receive(activity),
      );
      app.gateways.register(adapter);
      channels.set(channelId, adapter);
    }
    return adapter;
  };

  return {
    app,
    url,
    outbox,
    config,
    /** A new conversation on an in-process channel ('console' renders numbered lists, 'directline' buttons). */
    chat(channelId = 'console', locale = 'es-EC') {
      const conversation = new TestConversation(channel(channelId), app, `conv-${process.pid}-${instance}-${next++}`, locale);
      conversations.set(conversation.id, conversation);
      return conversation;
    },
    /** Waits until the code emails being sent have reached the outbox (they go out after the reply). */
    async mailSent() {
      if (!(await app.services.codes.drain(10_000))) throw new Error('code emails still being sent after 10 s');
    },
    async close() {
      await app.close(2_000);
      rmSync(outbox, { recursive: true, force: true });
    },
  };
}

export class TestConversation {
  /** Everything the bot said, in order. */
  readonly transcript: string[] = [];
  private current: Partial<Activity>[] | undefined;
  /** Messages that arrived outside a turn (key changed, agent replies). */
  readonly later: string[] = [];

  constructor(
    /** The in-process channel; other instances may register it to reach this person too. */
    readonly adapter: InProcessAdapter,
    private readonly app: Awaited<ReturnType<typeof createApp>>,
    readonly id: string,
    private readonly locale: string,
  ) {}

  receive(activity: Partial<Activity>) {
    const text = readableText(activity);
    this.transcript.push(text);
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
