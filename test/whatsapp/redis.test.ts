import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisKeyValueStore } from '../../src/store/redisKeyValue';
import { TEST_REDIS_URL, deleteKeys, sharedRedis, uniquePrefix } from '../helpers/redis';
import { FakeTwilio } from '../helpers/fakeTwilio';
import { startWhatsAppChannel, type WhatsAppChannel } from '../helpers/channel';
import { ACCOUNT_SID, AUTH_TOKEN, SENDER, inbound, postSigned } from './webhooks';

const redis = await sharedRedis();

/** Two instances behind a load balancer, sharing Redis: retries and the 24-hour window agree. */
describe.skipIf(!redis.ok)(`WhatsApp on two instances sharing Redis${redis.reason ? ` (skipped: no ${redis.reason})` : ''}`, () => {
  const prefix = uniquePrefix('wa');
  let client: Redis;
  let store: RedisKeyValueStore;
  let first: WhatsAppChannel;
  let second: WhatsAppChannel;

  beforeAll(async () => {
    client = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
    client.on('error', () => undefined);
    store = new RedisKeyValueStore(client, { prefix });
    first = await startWhatsAppChannel({ store });
    second = await startWhatsAppChannel({ store });
  });

  afterAll(async () => {
    await first?.close();
    await second?.close();
    await store?.close();
    await deleteKeys(TEST_REDIS_URL, prefix);
    client?.disconnect();
  });

  const bodies = (user: string) => [...first.twilio.bodiesTo(user), ...second.twilio.bodiesTo(user)];

  it('runs a webhook retried on the other instance once', async () => {
    const user = 'whatsapp:+593990000001';
    const params = inbound(user, 'una sola vez');
    expect((await postSigned(first.url, '/api/whatsapp', params)).status).toBe(200);
    await expect.poll(() => first.twilio.bodiesTo(user), { timeout: 10_000 }).toHaveLength(1);
    expect((await postSigned(second.url, '/api/whatsapp', params)).status).toBe(200);
    await postSigned(first.url, '/api/whatsapp', inbound(user, 'siguiente'));
    await expect.poll(() => first.twilio.bodiesTo(user), { timeout: 10_000 }).toHaveLength(2);
    expect(bodies(user)).toEqual(['1: una sola vez', '2: siguiente']);
  });

  it('lets either instance send later inside the window the other one saw open', async () => {
    const user = 'whatsapp:+593990000002';
    await postSigned(first.url, '/api/whatsapp', inbound(user, 'hola'));
    await expect.poll(() => first.twilio.bodiesTo(user), { timeout: 10_000 }).toHaveLength(1);
    const reference = {
      channelId: 'whatsapp',
      conversation: { id: user, isGroup: false, conversationType: 'personal', name: '' },
      bot: { id: SENDER, name: '' },
    };
    await second.gateway.continueConversation(reference, async (context) => {
      await context.sendActivity('Tu clave del IESS fue cambiada.');
    });
    expect(second.twilio.bodiesTo(user)).toEqual(['Tu clave del IESS fue cambiada.']);
    // A person who never wrote has no open window on any instance.
    const stranger = { ...reference, conversation: { ...reference.conversation, id: 'whatsapp:+593990000003' } };
    await expect(second.gateway.continueConversation(stranger, async () => undefined)).rejects.toMatchObject({
      name: 'WhatsAppWindowClosedError',
    });
  });

  it('creates a content once when two instances need it at the same moment', async () => {
    const twilio = await FakeTwilio.start(ACCOUNT_SID, AUTH_TOKEN);
    const env = { TWILIO_CONTENT_API: 'true', TWILIO_API_BASE_URL: twilio.url };
    const a = await startWhatsAppChannel({ env, store, twilio });
    const b = await startWhatsAppChannel({ env, store, twilio });
    try {
      const users = ['whatsapp:+593990000011', 'whatsapp:+593990000012'];
      await Promise.all([
        postSigned(a.url, '/api/whatsapp', inbound(users[0], 'opciones')),
        postSigned(b.url, '/api/whatsapp', inbound(users[1], 'opciones')),
      ]);
      for (const user of users) await expect.poll(() => twilio.bodiesTo(user), { timeout: 10_000 }).toHaveLength(1);
      expect(twilio.contents).toHaveLength(1);
      expect(twilio.messages.map((m) => m.contentSid)).toEqual([twilio.contents[0].sid, twilio.contents[0].sid]);
      expect(twilio.lastContentTo(users[1])?.options.map((o) => o.title)).toEqual(['Recuperar mi clave', 'Clave patronal']);
    } finally {
      await a.close();
      await b.close();
      await twilio.close();
    }
  });
});
