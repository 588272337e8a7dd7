import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setNewKey } from '../helpers/demo';
import { chatOn, says } from '../helpers/person';
import { playScenario } from '../helpers/scenario';
import { PrivateRedis, createCluster, redisServerBinary, uniquePrefix } from '../helpers/redis';
import { startInstances } from './harness';

const binary = redisServerBinary();

/** REDIS_CLUSTER_NODES: a whole recovery on a real three-node Redis Cluster, turns alternating between two instances. */
describe.skipIf(!binary.ok)(`a whole recovery on Redis Cluster${binary.reason ? ` (skipped: no ${binary.reason})` : ''}`, () => {
  const nodes: PrivateRedis[] = [];
  let group: Awaited<ReturnType<typeof startInstances>>;

  beforeAll(async () => {
    for (let i = 0; i < 3; i++) nodes.push(await PrivateRedis.startClusterNode());
    await createCluster(nodes);
    group = await startInstances(2, {
      REDIS_CLUSTER_NODES: nodes.map((n) => `127.0.0.1:${n.port}`).join(','),
      REDIS_KEY_PREFIX: uniquePrefix('cluster'),
    });
  }, 60_000);

  afterAll(async () => {
    await group?.close();
    await Promise.all(nodes.map((n) => n.kill()));
  });

  it('recovers the key, with the code, the link and the notice, and spreads the keys over the nodes', async () => {
    const [a, b] = group.instances;
    // Diana types a wrong code first; every turn goes to the other instance.
    const chat = await chatOn('api', a, { instances: [a, b], readCode: (email) => group.code(email) });
    let linkToken = '';
    chat.setKey = (token, key) => {
      linkToken = token;
      return setNewKey(b.url, token, key);
    };
    try {
      await playScenario('diana-codigo-equivocado', chat);
    } finally {
      await chat.close();
    }
    expect(await setNewKey(a.url, linkToken, 'OtraClave26')).toBe(410);
    const said = chat.read();
    expect(says(chat.later(), 'common:keyChanged')).toBe(true);
    for (const failure of ['common:error', 'common:busy']) expect(says(said, failure), failure).toBe(false);

    // The data really lives in the cluster, on more than one node.
    const counts = await Promise.all(
      nodes.map(async (n) => {
        const client = new Redis(n.url);
        try {
          return await client.dbsize();
        } finally {
          client.disconnect();
        }
      }),
    );
    expect(counts.filter((count) => count > 0).length).toBeGreaterThan(1);
  }, 60_000);
});
