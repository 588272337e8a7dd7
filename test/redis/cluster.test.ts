import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latestCodeFor } from '../../src/recovery/mail';
import { MARIA, linkIn, setNewKey } from '../helpers/demo';
import { PrivateRedis, createCluster, redisServerBinary, uniquePrefix } from '../helpers/redis';
import { BotFrameworkPerson, ConnectorRecorder, chooseFrom, joined, startInstances, turnsOf } from './harness';

const binary = redisServerBinary();

/** REDIS_CLUSTER_NODES: a whole recovery on a real three-node Redis Cluster, turns alternating between two instances. */
describe.skipIf(!binary.ok)(`a whole recovery on Redis Cluster${binary.reason ? ` (skipped: no ${binary.reason})` : ''}`, () => {
  const nodes: PrivateRedis[] = [];
  let group: Awaited<ReturnType<typeof startInstances>>;
  let connector: ConnectorRecorder;

  beforeAll(async () => {
    for (let i = 0; i < 3; i++) nodes.push(await PrivateRedis.startClusterNode());
    await createCluster(nodes);
    connector = await new ConnectorRecorder().start();
    group = await startInstances(2, {
      REDIS_CLUSTER_NODES: nodes.map((n) => `127.0.0.1:${n.port}`).join(','),
      REDIS_KEY_PREFIX: uniquePrefix('cluster'),
    });
  }, 60_000);

  afterAll(async () => {
    await group?.close();
    await connector?.close();
    await Promise.all(nodes.map((n) => n.kill()));
  });

  it('recovers the key, with the code, the link and the notice, and spreads the keys over the nodes', async () => {
    const [a, b] = group.instances;
    const person = new BotFrameworkPerson(connector.url);
    const { turn, said } = turnsOf(person);

    expect(joined(await turn(a, 'hola'))).toMatch(/Soy un asistente virtual/);
    expect(joined(await turn(b, '1'))).toMatch(/cédula/);
    expect(joined(await turn(a, MARIA.cedula))).toMatch(/día y mes de nacimiento/);
    const first = await turn(b, MARIA.birth);
    const second = await turn(a, chooseFrom(first, MARIA.answers));
    expect(joined(await turn(b, chooseFrom(second, MARIA.answers)))).toMatch(/¿Tienes acceso a este correo\?/);
    expect(joined(await turn(a, 'sí'))).toMatch(/Te envié un código/);
    await group.mailSent();
    const code = await latestCodeFor(group.outbox, MARIA.email);
    expect(joined(await turn(b, '000000'))).toMatch(/no es correcto/);
    const verified = joined(await turn(a, code!));
    expect(verified).toMatch(/Código correcto/);

    const { token } = linkIn(verified);
    expect(await setNewKey(b.url, token, 'NuevaClave26')).toBe(200);
    expect(await setNewKey(a.url, token, 'OtraClave26')).toBe(410);
    await expect.poll(() => connector.delivered.some((d) => /clave del IESS fue cambiada/.test(d.text ?? '')), { timeout: 10_000 }).toBe(true);
    expect(said.join('\n')).not.toMatch(/Uy, tuve un problema|Todavía estoy procesando|inténtalo en un minuto/);

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
