import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_REDIS_URL, deleteKeys, sharedRedis, uniquePrefix } from '../helpers/redis';
import { startInstances } from './harness';

const redis = await sharedRedis();

/** Asks `baseUrl` for a chat token as the page does, from one client address behind the balancer. */
async function tokenStatus(baseUrl: string, address: string): Promise<number> {
  const response = await fetch(`${baseUrl}/api/webchat/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Forwarded-For': address },
    body: '{"locale":"es-EC"}',
  });
  await response.body?.cancel();
  return response.status;
}

describe.skipIf(!redis.ok)(
  `chat tokens per address across two instances sharing Redis${redis.reason ? ` (skipped: no ${redis.reason})` : ''}`,
  () => {
    const prefix = uniquePrefix();
    let group: Awaited<ReturnType<typeof startInstances>>;

    beforeAll(async () => {
      group = await startInstances(2, {
        REDIS_URL: TEST_REDIS_URL,
        REDIS_KEY_PREFIX: prefix,
        TRUSTED_PROXY_HOPS: '1',
        TOKEN_REQUESTS_PER_MINUTE_PER_IP: '3',
      });
    });

    afterAll(async () => {
      await group?.close();
      await deleteKeys(TEST_REDIS_URL, prefix);
    });

    it('counts one address on every instance together, and no other address', async () => {
      const [a, b] = group.instances;
      expect([
        await tokenStatus(a.url, '203.0.113.7'),
        await tokenStatus(b.url, '203.0.113.7'),
        await tokenStatus(a.url, '203.0.113.7'),
      ]).toEqual([200, 200, 200]);
      expect(await tokenStatus(b.url, '203.0.113.7')).toBe(429);
      expect(await tokenStatus(b.url, '198.51.100.8')).toBe(200);
    });
  },
);
