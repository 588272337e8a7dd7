import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { Config } from '../../src/config';
import { createLogger, type Logger } from '../../src/log';
import { latestCodeFor } from '../../src/recovery/mail';
import type { AppOverrides } from '../../src/app';
import { InProcessChats, startTestApp, type TestApp, type TestParts } from '../helpers/app';
import { type Availability, TEST_REDIS_URL, deleteKeys, uniquePrefix, waitFor } from '../helpers/redis';

/** One secret for every instance of a test: codes, links and decoys must agree across them. */
export const SHARED_SECRET = 'redis-instances-secret-0123456789-abcdef';

export type Env = Partial<Record<keyof Config, string>>;

/** What an instance answered to one activity on /api/messages. */
export interface Answer {
  status: number;
  activities: Array<{ type?: string; text?: string; suggestedActions?: { actions?: Array<{ title?: string; value?: unknown }> } }>;
  texts: string[];
}

/**
 * Several whole apps on one Redis and one outbox folder, as behind a load balancer.
 * The outbox folder belongs to the group (each app's own empty folder is removed on close).
 * `overrides` (a logger, say) and `parts` (one Twilio stand-in) are given to every instance.
 */
export async function startInstances(count: number, env: Env, overrides: AppOverrides = {}, parts: TestParts = {}) {
  const outbox = env.OUTBOX_DIR ?? mkdtempSync(join(tmpdir(), 'iess-shared-outbox-'));
  const shared: Env = { SERVER_SECRET: SHARED_SECRET, ...env, OUTBOX_DIR: outbox };
  // One set of in-process channels for all: every instance reaches a person, as with a real channel.
  const sharedParts: TestParts = { ...parts, chats: parts.chats ?? new InProcessChats() };
  const instances: TestApp[] = [];
  try {
    for (let i = 0; i < count; i += 1) instances.push(await startTestApp(shared, overrides, sharedParts));
    for (const instance of instances) {
      // The Redis client fails fast until it is connected: wait until each instance is ready.
      if (!(await waitFor(async () => (await readiness(instance.url)) === 200, 15_000, 100)))
        throw new Error(`instance ${instance.url} never became ready`);
    }
  } catch (error) {
    await Promise.all(instances.map((i) => i.close()));
    throw error;
  }
  return {
    instances,
    outbox,
    /** Waits until every instance's code emails have reached the shared outbox. */
    async mailSent() {
      await Promise.all(instances.map((i) => i.mailSent()));
    },
    /** The newest code emailed to `email`, whichever instance sent it (a person's `readCode`). */
    async code(email: string): Promise<string> {
      await this.mailSent();
      const code = await latestCodeFor(outbox, email);
      if (!code) throw new Error(`no code for ${email} in the shared outbox`);
      return code;
    },
    async close() {
      await Promise.all(instances.map((i) => i.close()));
      if (!env.OUTBOX_DIR) rmSync(outbox, { recursive: true, force: true });
    },
  };
}

/** /readyz status, or 0 when the server did not answer. */
export async function readiness(baseUrl: string): Promise<number> {
  try {
    const response = await fetch(`${baseUrl}/readyz`, { signal: AbortSignal.timeout(5_000) });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return 0;
  }
}

/**
 * A person on a Bot Framework channel: every message is a POST to /api/messages with
 * deliveryMode expectReplies, so each instance returns its replies in the HTTP response.
 */
export class BotFrameworkPerson {
  readonly conversationId: string;

  constructor(
    private readonly serviceUrl: string,
    conversationId = `conv-${randomUUID()}`,
    private readonly userId = `user-${randomUUID().slice(0, 8)}`,
  ) {
    this.conversationId = conversationId;
  }

  activity(text: string) {
    return {
      type: 'message',
      id: randomUUID(),
      timestamp: new Date().toISOString(),
      text,
      locale: 'es-EC',
      channelId: 'emulator',
      serviceUrl: this.serviceUrl,
      from: { id: this.userId, name: 'Persona' },
      recipient: { id: 'bot', name: 'IESS' },
      conversation: { id: this.conversationId },
      deliveryMode: 'expectReplies',
    };
  }

  /** Sends `text` to the instance at `baseUrl`; `timeoutMs` bounds the wait for the answer. */
  async say(baseUrl: string, text: string, timeoutMs = 30_000): Promise<Answer> {
    const response = await fetch(`${baseUrl}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(this.activity(text)),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = await response.text();
    let activities: Answer['activities'] = [];
    try {
      activities = (JSON.parse(body) as { activities?: Answer['activities'] }).activities ?? [];
    } catch {
      // Not JSON: the status tells the story.
    }
    return { status: response.status, activities, texts: activities.filter((a) => a.type === 'message').map((a) => a.text ?? '') };
  }
}

/** The replies of an answer as one text. */
export const joined = (answer: Answer) => answer.texts.join('\n');

/**
 * The option to send for one of the right answers, read from the numbered list in the text or,
 * when the list is not in the text, from the suggested actions.
 */
export function chooseFrom(answer: Answer, rightAnswers: string[]): string {
  const text = answer.texts.join('\n');
  for (const line of text.split('\n')) {
    const match = /^(\d+)\.\s+(.+)$/.exec(line.trim());
    if (match && rightAnswers.includes(match[2].trim())) return match[1];
  }
  for (const activity of answer.activities) {
    for (const action of activity.suggestedActions?.actions ?? []) {
      if (action.title && rightAnswers.includes(action.title.trim())) return typeof action.value === 'string' ? action.value : action.title;
    }
  }
  throw new Error(`no right answer among the options:\n${text}`);
}

/** One activity a bot sent on its own (a proactive message) to the channel's service URL. */
export interface Delivered {
  conversationId: string;
  text?: string;
  authorization?: string;
}

/**
 * Plays the Bot Framework channel's connector: records `POST /v3/conversations/:id/activities`,
 * which is where CloudAdapter sends messages that are not a reply to a request.
 */
export class ConnectorRecorder {
  readonly delivered: Delivered[] = [];
  private server?: Server;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      void this.handle(req).then(
        (status) => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(status === 200 ? { id: randomUUID() } : { error: 'not found' }));
        },
        () => {
          res.writeHead(400);
          res.end();
        },
      );
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  private async handle(req: IncomingMessage): Promise<number> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const match = /^\/v3\/conversations\/([^/]+)\/activities(?:\/[^/]+)?$/.exec(req.url ?? '');
    if (req.method !== 'POST' || !match) return 404;
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { text?: string };
    this.delivered.push({ conversationId: decodeURIComponent(match[1]), text: body.text, authorization: req.headers.authorization });
    return 200;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/** Every key under `prefix` with its remaining life in ms (-1: none, -2: gone), by bounded SCAN. */
export async function keysWithTtl(url: string, prefix: string): Promise<Map<string, number>> {
  const client = new Redis(url, { maxRetriesPerRequest: 1, retryStrategy: () => null });
  client.on('error', () => undefined);
  const found = new Map<string, number>();
  try {
    let cursor = '0';
    for (let round = 0; round < 10_000; round += 1) {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      for (const key of keys) found.set(key, await client.pttl(key));
      cursor = next;
      if (cursor === '0') break;
    }
  } finally {
    client.disconnect();
  }
  return found;
}

/** Every key under `prefix` with what it holds (strings, lists, hashes), as text, for checks of what Redis keeps. */
export async function keysWithContent(url: string, prefix: string): Promise<Map<string, string>> {
  const client = new Redis(url, { maxRetriesPerRequest: 1, retryStrategy: () => null });
  client.on('error', () => undefined);
  const found = new Map<string, string>();
  try {
    for (const key of (await keysWithTtl(url, prefix)).keys()) {
      const type = await client.type(key);
      const content =
        type === 'string'
          ? await client.get(key)
          : type === 'list'
            ? (await client.lrange(key, 0, -1)).join('\n')
            : type === 'hash'
              ? JSON.stringify(await client.hgetall(key))
              : `(${type})`;
      found.set(key, content ?? '');
    }
  } finally {
    client.disconnect();
  }
  return found;
}

/** A logger for every instance of a group that keeps its warnings and errors, to show when a reply does not come. */
export function problemLog(): { log: Logger; problems: string[] } {
  const problems: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      const line = String(chunk);
      if (/"level":(40|50|60)/.test(line)) problems.push(line);
      done();
    },
  });
  return { log: createLogger('warn', sink), problems };
}

export type Group = Awaited<ReturnType<typeof startInstances>>;

/** A store a feature is tried on: memory with one instance, or Redis with two sharing it. */
export interface StoreCase {
  name: string;
  skip: boolean;
  count: number;
  env: () => Env;
}

/** The memory store (one instance) and Redis (two instances; skipped, with the reason, when there is none). */
export function storeCases(label: string, redis: Availability): StoreCase[] {
  return [
    { name: 'the memory store, one instance', skip: false, count: 1, env: () => ({}) },
    {
      name: `Redis, two instances${redis.reason ? ` (skipped: no ${redis.reason})` : ''}`,
      skip: !redis.ok,
      count: 2,
      env: () => ({ REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: uniquePrefix(label) }),
    },
  ];
}

/** Two instances on the tests' Redis for the whole suite, closed and their keys deleted after it; call it inside `describe`. */
export function groupPerSuite(label: string): () => Group {
  const prefix = uniquePrefix(label);
  let group: Group | undefined;
  beforeAll(async () => {
    group = await startInstances(2, { REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: prefix });
  });
  afterAll(async () => {
    await group?.close();
    await deleteKeys(TEST_REDIS_URL, prefix);
  });
  return () => {
    if (!group) throw new Error('the instances start before the suite runs its tests');
    return group;
  };
}

/** Starts the case's instances for a test, with `env` and `parts` added; after each test closes them and deletes their keys. */
export function groupPerTest(store: StoreCase): (env: Env, parts?: TestParts) => Promise<Group> {
  let group: Group | undefined;
  let prefix: string | undefined;
  afterEach(async () => {
    await group?.close();
    if (prefix) await deleteKeys(TEST_REDIS_URL, prefix);
    group = prefix = undefined;
  });
  return async (env, parts) => {
    const e = { ...store.env(), ...env };
    prefix = e.REDIS_KEY_PREFIX;
    group = await startInstances(store.count, e, {}, parts);
    return group;
  };
}
