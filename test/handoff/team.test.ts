import { describe, expect, it } from 'vitest';
import { AgentsConfigError } from '../../src/errors';
import { AgentDirectory, hashPassword } from '../../src/handoff/agents';
import { leastLoaded } from '../../src/handoff/assignment';
import type { HandoffEvent } from '../../src/handoff/tickets';
import { InProcessChats, type TestApp } from '../helpers/app';
import { sharedRedis } from '../helpers/redis';
import { type Env, type Group, groupPerTest, storeCases } from '../redis/harness';

const redis = await sharedRedis();
const FAST = { N: 1024, r: 8, p: 1 };

async function agentsSpec() {
  return [
    `ana:${await hashPassword('clave-ana-larga', FAST)}`,
    `luis:${await hashPassword('clave-luis-larga', FAST)}`,
    `marta:${await hashPassword('clave-marta-larga', FAST)}:supervisor`,
  ].join(';');
}

describe('AGENTS roles and the assignment rule', () => {
  it('reads an optional role after the hash, agent by default', async () => {
    const directory = new AgentDirectory(await agentsSpec());
    expect(directory.all().map((a) => [a.name, a.role])).toEqual([
      ['ana', 'agent'],
      ['luis', 'agent'],
      ['marta', 'supervisor'],
    ]);
    const hash = await hashPassword('clave-larga-de-pepe', FAST);
    expect(() => new AgentDirectory(`pepe:${hash}:jefe`)).toThrow(AgentsConfigError);
    expect(() => new AgentDirectory(`pepe:${hash}:agent:extra`)).toThrow(/role of "pepe"/);
  });

  it('picks the agent serving the fewest, below the limit, the same on every instance', () => {
    expect(
      leastLoaded(
        new Map([
          ['luis', 1],
          ['ana', 1],
        ]),
        3,
      ),
    ).toBe('ana');
    expect(
      leastLoaded(
        new Map([
          ['ana', 2],
          ['luis', 1],
        ]),
        3,
      ),
    ).toBe('luis');
    expect(
      leastLoaded(
        new Map([
          ['ana', 3],
          ['luis', 3],
        ]),
        3,
      ),
    ).toBeUndefined();
    expect(leastLoaded(new Map(), 3)).toBeUndefined();
  });
});

/** The team's features on one store: the memory store (one instance) and Redis (two instances, A and B). */
describe.each(storeCases('team', redis))('the team on $name', (store) => {
  const { skip, count } = store;
  const startGroup = groupPerTest(store);
  let group: Group | undefined;

  /** Instance A and instance B (the same one on the memory store). */
  async function start(extra: Env = {}): Promise<[TestApp, TestApp]> {
    group = await startGroup(
      { AGENTS: await agentsSpec(), SERVICE_HOURS: '', ...extra },
      { chats: new InProcessChats(['console', 'webchat']) },
    );
    const [a, b = a] = group.instances;
    return [a, b];
  }
  const agent = (t: TestApp, name: string) => t.app.handoff.agents.named(name)!;

  /** A person on `t`; every instance can write to them (the group shares its in-process channels), as with a real channel. */
  async function openTicket(t: TestApp, channelId = 'console') {
    const chat = t.chat(channelId);
    const replies = await chat.say('quiero hablar con un asesor');
    const ticket = (await t.app.handoff.tickets.openForConversation(channelId, chat.id))!;
    return { chat, replies, ticket };
  }

  it.skipIf(skip)('"agents are busy" follows presence: nobody available, everyone at the limit, someone free', async () => {
    const [a, b] = await start({ HANDOFF_MAX_TICKETS_PER_AGENT: '1' });
    expect((await openTicket(a)).replies.join('\n')).toContain('no hay asesores disponibles');

    await b.app.handoff.setPresence(agent(b, 'ana'), 'available');
    const { replies: second } = await openTicket(a);
    expect(second.join('\n')).not.toMatch(/no hay asesores disponibles|Todos los asesores están atendiendo/);

    const [first] = await a.app.handoff.tickets.listOpen();
    await b.app.handoff.claim(first.id, agent(b, 'ana'));
    const { chat, replies: third } = await openTicket(a);
    expect(third.join('\n')).toContain('Todos los asesores están atendiendo a otras personas');
    // While waiting, the person hears it again with each message.
    expect((await chat.say('¿hola?')).join('\n')).toContain('Todos los asesores están atendiendo');

    await a.app.handoff.setPresence(agent(a, 'ana'), 'away');
    expect((await b.app.handoff.team()).find((m) => m.name === 'ana')).toMatchObject({ presence: 'away', serving: 1 });
  });

  it.skipIf(skip)('internal notes reach every agent and never the person', async () => {
    const [a, b] = await start();
    const { chat, ticket } = await openTicket(a);
    await a.app.handoff.claim(ticket.id, agent(a, 'ana'));
    const heard = chat.transcript.length;
    expect(await b.app.handoff.addNote(ticket.id, agent(b, 'luis'), 'Ojo: ya llamó ayer al 140')).toBe('noted');
    const transcript = (await a.app.handoff.detail(ticket.id))!.transcript;
    expect(transcript.at(-1)).toEqual({ at: expect.any(Number), from: 'note', agent: 'Luis', text: 'Ojo: ya llamó ayer al 140' });
    expect(chat.transcript.length).toBe(heard);
    expect(chat.transcript.join('\n')).not.toContain('Ojo');
  });

  it.skipIf(skip)('transfers to an available agent with a note, and back to the queue', async () => {
    const [a, b] = await start();
    const { chat, ticket } = await openTicket(a);
    await a.app.handoff.claim(ticket.id, agent(a, 'ana'));
    const events: HandoffEvent[] = [];
    const unsubscribe = await b.app.handoff.tickets.subscribe((e) => events.push(e));

    expect(await a.app.handoff.transfer(ticket.id, agent(a, 'ana'), 'luis')).toBe('away');
    await b.app.handoff.setPresence(agent(b, 'luis'), 'available');
    expect(await a.app.handoff.transfer(ticket.id, agent(a, 'luis'), 'ana')).toBe('not_yours');
    expect(await a.app.handoff.transfer(ticket.id, agent(a, 'ana'), 'nadie')).toBe('unknown_agent');
    expect(await a.app.handoff.transfer(ticket.id, agent(a, 'ana'), 'luis', 'Es empleador, RUC de Quito.')).toBe('transferred');

    expect(await b.app.handoff.tickets.get(ticket.id)).toMatchObject({ status: 'active', agent: 'luis' });
    expect(chat.later.at(-1)).toBe(
      'Te paso con Luis, del equipo de asesores del IESS, que sigue con tu caso. Ya tiene lo que hablamos, no tienes que repetirlo.',
    );
    const transcript = (await b.app.handoff.detail(ticket.id))!.transcript;
    expect(transcript.find((e) => e.from === 'note')).toMatchObject({
      agent: 'Ana',
      text: 'Ana pasó la conversación a Luis. Es empleador, RUC de Quito.',
    });
    await expect
      .poll(() => events.find((e) => e.type === 'notice'))
      .toEqual({ type: 'notice', ticketId: ticket.id, notice: 'transferredToYou', agent: 'luis' });
    expect(await a.app.handoff.send(ticket.id, agent(a, 'ana'), 'hola')).toBe('not_yours');
    expect(await b.app.handoff.send(ticket.id, agent(b, 'luis'), 'Hola, sigo yo')).toBe('sent');

    expect(await b.app.handoff.transfer(ticket.id, agent(b, 'luis'), undefined)).toBe('transferred');
    expect(await a.app.handoff.tickets.get(ticket.id)).toMatchObject({ status: 'waiting', agent: undefined });
    expect(chat.later.at(-1)).toContain('Te devolví a la fila');
    expect(chat.later.at(-1)).toContain('puesto 1');
    await unsubscribe();
  });

  it.skipIf(skip)('auto-assignment gives each waiting person to the available agent with the fewest, never a supervisor', async () => {
    const [a, b] = await start({ HANDOFF_AUTO_ASSIGN: 'true', HANDOFF_MAX_TICKETS_PER_AGENT: '2' });
    const { ticket: first } = await openTicket(a);
    await a.app.handoff.drain(5000);
    expect(await a.app.handoff.tickets.get(first.id)).toMatchObject({ status: 'waiting' });

    await b.app.handoff.setPresence(agent(b, 'marta'), 'available');
    await b.app.handoff.setPresence(agent(b, 'ana'), 'available');
    await b.app.handoff.drain(5000);
    expect(await a.app.handoff.tickets.get(first.id)).toMatchObject({ status: 'active', agent: 'ana' });

    await a.app.handoff.setPresence(agent(a, 'luis'), 'available');
    // Two people at once, one on each instance: each is assigned once, to the least loaded.
    const [x, y] = await Promise.all([openTicket(a), openTicket(b, count > 1 ? 'webchat' : 'console')]);
    await Promise.all([a.app.handoff.drain(5000), b.app.handoff.drain(5000)]);
    expect(x.ticket.id).not.toBe(y.ticket.id);
    const served = await Promise.all([x, y].map(async ({ ticket }) => (await a.app.handoff.tickets.get(ticket.id))!.agent));
    expect(served.sort()).toEqual(['ana', 'luis']);
    // Each person is greeted once, by the agent who took them.
    for (const [i, { chat }] of [x, y].entries())
      expect(
        chat.later.filter((l) => l.includes('👋 Hola, soy')),
        `person ${i}`,
      ).toHaveLength(1);
    const team = await a.app.handoff.team();
    expect(team.map((m) => [m.name, m.serving])).toEqual([
      ['ana', 2],
      ['luis', 1],
      ['marta', 0],
    ]);
  });
});
