import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/handoff/agents';
import { localDay, searchHistory } from '../../src/handoff/history';
import { TicketStore } from '../../src/handoff/tickets';
import { MemoryKeyValueStore } from '../../src/store/memoryKeyValue';
import { startTestApp, type TestApp } from '../helpers/app';
import { chatOn } from '../helpers/person';

const HOUR = 3_600_000;

describe('closed tickets for the history search', () => {
  it('are kept exactly as long as the ticket (TRANSCRIPT_TTL_SECONDS from opening), newest first', async () => {
    let clock = Date.parse('2026-12-01T15:00:00Z');
    const store = new MemoryKeyValueStore();
    const tickets = new TicketStore({ store, secret: 's'.repeat(32), keepMs: 48 * HOUR, openMs: 24 * HOUR, now: () => clock });
    const open = (id: string, masked?: string) =>
      tickets.open({
        channelId: 'whatsapp',
        conversationId: id,
        reference: {},
        locale: 'es-EC',
        reason: 'asked',
        summary: { maskedNumber: masked, failures: [] },
      });
    const first = await open('a', '•••••••103');
    await tickets.claim(first.ticket.id, 'ana');
    await tickets.close(first.ticket.id, 'ana');
    clock += 30 * HOUR;
    const second = await open('b');
    await tickets.close(second.ticket.id, 'person');
    expect((await tickets.closedRecent()).map((t) => [t.id, t.agent, t.closedBy, t.maskedNumber])).toEqual([
      [second.ticket.id, undefined, 'person', undefined],
      [first.ticket.id, 'ana', 'ana', '•••••••103'],
    ]);
    clock += 20 * HOUR;
    // 50 h after the first was opened: gone from the search as from the store, the second still there.
    expect((await tickets.closedRecent()).map((t) => t.id)).toEqual([second.ticket.id]);
    await store.close();
  });

  it("match by last digits, day in the operator's time zone, reason and agent, all together", () => {
    const at = Date.parse('2026-12-02T02:00:00Z'); // 1 December, 21:00 in Guayaquil
    const closed = [
      {
        id: '1',
        channel: 'whatsapp',
        reason: 'asked',
        maskedNumber: '•••••••103',
        agent: 'ana',
        closedBy: 'ana',
        openedAt: at,
        closedAt: at + 1,
      },
      {
        id: '2',
        channel: 'directline',
        reason: 'lost_email',
        maskedNumber: '•••••••945',
        agent: 'luis',
        closedBy: 'luis',
        openedAt: at,
        closedAt: at + 1,
      },
      { id: '3', channel: 'directline', reason: 'asked', closedBy: 'person', openedAt: at - 30 * HOUR, closedAt: at },
    ];
    const ids = (q: Parameters<typeof searchHistory>[1]) => searchHistory(closed, q, 'America/Guayaquil').map((t) => t.id);
    expect(localDay(at, 'America/Guayaquil')).toBe('2026-12-01');
    expect(ids({})).toEqual(['1', '2', '3']);
    expect(ids({ digits: '03' })).toEqual(['1']);
    expect(ids({ date: '2026-12-01' })).toEqual(['1', '2']);
    expect(ids({ date: '2026-12-02' })).toEqual([]);
    expect(ids({ reason: 'asked' })).toEqual(['1', '3']);
    expect(ids({ reason: 'asked', agent: 'luis' })).toEqual([]);
    expect(ids({ agent: 'luis', digits: '945' })).toEqual(['2']);
  });
});

describe('the history search over the console API', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('finds closed conversations with the survey rating, and refuses a malformed search', async () => {
    const cost = { N: 1024, r: 8, p: 1 };
    t = await startTestApp({ AGENTS: `ana:${await hashPassword('clave-ana-larga', cost)}`, SERVICE_HOURS: '' });
    const chat = await chatOn('inprocess', t);
    await chat.say('hola');
    await chat.say('1');
    await chat.say('1714307103');
    await chat.say('quiero hablar con un asesor');
    const [ticket] = await t.app.handoff.tickets.listOpen();
    const ana = t.app.handoff.agents.named('ana')!;
    await t.app.handoff.claim(ticket.id, ana);
    await t.app.handoff.close(ticket.id, ana);
    await chat.say('4');
    const other = await chatOn('inprocess', t);
    await other.say('quiero hablar con un asesor');
    await other.say('cancelar');

    const login = await fetch(`${t.url}/agent/api/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Origin: t.url },
      body: JSON.stringify({ name: 'ana', password: 'clave-ana-larga' }),
    });
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0];
    const search = async (query: string) => {
      const res = await fetch(`${t!.url}/agent/api/history?${query}`, { headers: { Cookie: cookie, 'X-Request-Id': randomUUID() } });
      return { status: res.status, body: (await res.json()) as { tickets?: Array<Record<string, unknown>> } };
    };
    const found = await search('digits=103');
    expect(found.status).toBe(200);
    expect(found.body.tickets).toEqual([
      expect.objectContaining({ id: ticket.id, maskedNumber: '•••••••103', agent: 'ana', reason: 'asked', rating: 4, channel: 'console' }),
    ]);
    expect(JSON.stringify(found.body)).not.toMatch(/conversation|reference|1714307103/);
    expect((await search('')).body.tickets).toHaveLength(2);
    expect((await search(`date=${localDay(Date.now(), 'America/Guayaquil')}&agent=ana`)).body.tickets).toHaveLength(1);
    expect((await search('reason=asked&digits=999')).body.tickets).toEqual([]);
    for (const bad of ['digits=1714307103', 'date=ayer', 'agent=ANA%20DROP', 'reason=%3Cscript%3E'])
      expect((await search(bad)).status, bad).toBe(400);
    expect((await fetch(`${t.url}/agent/api/history`)).status).toBe(401);
  });
});
