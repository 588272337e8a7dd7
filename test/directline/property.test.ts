import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type TestDirectLine, requestToken, startDirectLine, type WebchatToken } from '../helpers/channel';

let dl: TestDirectLine;
let page: WebchatToken;

beforeAll(async () => {
  dl = await startDirectLine();
  page = await requestToken(dl.url);
});
afterAll(async () => {
  await dl.close();
});

/** Bodies a broken or hostile page might send: any JSON, activity look-alikes, raw text. */
const activityLike = fc.record(
  {
    type: fc.oneof(fc.constantFrom('message', 'typing', 'event', 'conversationUpdate', 'invoke', ''), fc.anything()),
    text: fc.oneof(fc.string({ maxLength: 50 }), fc.string({ minLength: 1990, maxLength: 2010 }), fc.anything()),
    value: fc.anything(),
    name: fc.oneof(fc.string(), fc.anything()),
    from: fc.oneof(fc.record({ id: fc.anything(), name: fc.anything(), role: fc.anything() }), fc.anything()),
    channelData: fc.oneof(fc.record({ clientActivityID: fc.anything(), postBack: fc.anything() }), fc.anything()),
    attachments: fc.oneof(fc.array(fc.anything(), { maxLength: 2 }), fc.anything()),
    entities: fc.anything(),
    conversation: fc.anything(),
    ['__proto__']: fc.anything(),
  },
  { requiredKeys: [] },
);
const body = fc.oneof(
  activityLike.map((value) => JSON.stringify(value) ?? ''),
  fc.json(),
  fc.string({ maxLength: 200 }),
  fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
);

it('answers every random activity body with 200 or 400, never crashes, and stays usable', async () => {
  const statuses = new Set<number>();
  await fc.assert(
    fc.asyncProperty(body, async (raw) => {
      const res = await fetch(`${dl.url}/v3/directline/conversations/${page.conversationId}/activities`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${page.token}`, 'Content-Type': 'application/json' },
        body: raw,
      });
      statuses.add(res.status);
      expect([200, 400]).toContain(res.status);
      const answer = (await res.json()) as { id?: string; error?: { code: string } };
      expect(res.status === 200 ? typeof answer.id : answer.error?.code).toBe(res.status === 200 ? 'string' : 'BadArgument');
    }),
    { numRuns: 200 },
  );
  expect(statuses.has(400)).toBe(true);

  // Whatever reached the bot was a well-formed activity from this page's user.
  for (const activity of dl.bot.received) {
    expect(['message', 'event']).toContain(activity.type);
    expect(activity.from?.id).toBe(page.userId);
    expect(activity.conversation?.id).toBe(page.conversationId);
    expect(['string', 'undefined']).toContain(typeof activity.text);
  }

  // The server is still there and the conversation still works.
  const res = await fetch(`${dl.url}/v3/directline/conversations/${page.conversationId}/activities`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${page.token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ type: 'message', text: 'última' }),
  });
  expect(res.status).toBe(200);
  const log = await fetch(`${dl.url}/v3/directline/conversations/${page.conversationId}/activities?watermark=0`, {
    headers: { Authorization: `Bearer ${page.token}` },
  });
  const { activities } = (await log.json()) as { activities: { text?: string }[] };
  expect(activities.length).toBeGreaterThan(0);
});
