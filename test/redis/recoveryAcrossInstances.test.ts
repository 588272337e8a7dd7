import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DemoDirectory } from '../../src/recovery/demoDirectory';
import { latestCodeFor } from '../../src/recovery/mail';
import { MARIA, linkIn, setNewKey } from '../helpers/demo';
import { TEST_REDIS_URL, deleteKeys, sharedRedis, uniquePrefix, waitFor } from '../helpers/redis';
import { BotFrameworkPerson, ConnectorRecorder, chooseFrom, joined, startInstances, turnsOf } from './harness';

const redis = await sharedRedis();

/**
 * Two instances behind a load balancer that sends every request of one person to whichever
 * instance is free: a whole recovery over /api/messages, each turn on the other instance.
 */
describe.skipIf(!redis.ok)(`a whole recovery across two instances sharing Redis${redis.reason ? ` (skipped: no ${redis.reason})` : ''}`, () => {
  const prefix = uniquePrefix('app2');
  let group: Awaited<ReturnType<typeof startInstances>>;
  let connector: ConnectorRecorder;

  beforeAll(async () => {
    connector = await new ConnectorRecorder().start();
    group = await startInstances(2, { REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: prefix });
  });

  afterAll(async () => {
    await group?.close();
    await connector?.close();
    await deleteKeys(TEST_REDIS_URL, prefix);
  });

  it('recovers the key with turns alternating between instances, the new-key page on the other one, and the notice delivered', async () => {
    const [a, b] = group.instances;
    const person = new BotFrameworkPerson(connector.url);
    const { turn, said } = turnsOf(person);

    expect(joined(await turn(b, 'hola'))).toMatch(/Soy un asistente virtual/);
    expect(joined(await turn(a, '1'))).toMatch(/cédula/);
    expect(joined(await turn(b, MARIA.cedula))).toMatch(/día y mes de nacimiento/);
    const first = await turn(a, MARIA.birth);
    expect(joined(first)).toMatch(/preguntas de seguridad/);
    const second = await turn(b, chooseFrom(first, MARIA.answers));
    expect(joined(second)).toMatch(/año empezaste a aportar/);
    const email = await turn(a, chooseFrom(second, MARIA.answers));
    expect(joined(email)).toMatch(/¿Tienes acceso a este correo\?/);
    expect(joined(email)).not.toContain(MARIA.email);

    // Instance B sends the code; instance A checks it and makes the link.
    expect(joined(await turn(b, 'sí'))).toMatch(/Te envié un código/);
    await group.mailSent();
    const code = await latestCodeFor(group.outbox, MARIA.email);
    expect(code).toMatch(/^\d{6}$/);
    const verified = joined(await turn(a, code!));
    expect(verified).toMatch(/Código correcto/);
    const { token } = linkIn(verified);

    // The link made on A opens and works on B.
    expect((await fetch(`${b.url}/clave/nueva`)).status).toBe(200);
    expect(await setNewKey(b.url, token, 'NuevaClave26')).toBe(200);
    // Used once, on either instance.
    expect(await setNewKey(a.url, token, 'OtraClave26')).toBe(410);
    // The demo directory lives in each process; B is the one that set the key.
    const directory = b.app.directory as DemoDirectory;
    const accountId = await directory.findAccount({ kind: 'person', cedula: MARIA.cedula });
    expect(await directory.keyMatches(accountId!, 'NuevaClave26')).toBe(true);

    // The chat hears that the key changed: a proactive message to the channel's service URL.
    expect(await waitFor(() => connector.delivered.some((d) => /clave del IESS fue cambiada/.test(d.text ?? '')), 10_000)).toBe(true);
    const notice = connector.delivered.find((d) => /clave del IESS fue cambiada/.test(d.text ?? ''))!;
    expect(notice.conversationId).toBe(person.conversationId);
    expect(connector.delivered.filter((d) => /clave del IESS fue cambiada/.test(d.text ?? ''))).toHaveLength(1);

    // The conversation goes on, on either instance, after the notice.
    expect(joined(await turn(a, 'gracias'))).toMatch(/¿En qué más te puedo ayudar\?/);
    expect(said.join('\n')).not.toMatch(/Uy, tuve un problema|Todavía estoy procesando/);
  }, 60_000);
});
