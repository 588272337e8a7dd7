import { describe, expect, it } from 'vitest';
import { TicketStore } from '../../src/handoff/tickets';
import type { KeyValueStore } from '../../src/store/keyValue';
import { MemoryKeyValueStore } from '../../src/store/memoryKeyValue';
import { redisKeyValueStore, sharedRedis } from '../helpers/redis';

const redis = await sharedRedis();

const newTicket = (conversationId: string, channelId = 'directline') => ({
  channelId,
  conversationId,
  reference: { channelId, conversation: { id: conversationId } },
  locale: 'es-EC',
  reason: 'asked',
  summary: { profile: 'person' as const, maskedNumber: '•••••••103', step: 'person.birth', failures: [] },
});

function ticketStoreContract(makeStore: () => Promise<{ store: KeyValueStore; dispose: () => Promise<void> }>) {
  const tickets = async () => {
    const { store, dispose } = await makeStore();
    return { store, dispose, tickets: new TicketStore({ store, secret: 's'.repeat(32), keepMs: 60_000, openMs: 60_000 }) };
  };

  it('opens one ticket per conversation and keeps the queue in order', async () => {
    const { tickets: t, dispose } = await tickets();
    try {
      const first = await t.open(newTicket('a'));
      const again = await t.open(newTicket('a'));
      const second = await t.open(newTicket('b', 'whatsapp'));
      expect(first.created).toBe(true);
      expect(again).toMatchObject({ created: false, ticket: { id: first.ticket.id } });
      expect((await t.listOpen()).map((x) => x.id)).toEqual([first.ticket.id, second.ticket.id]);
      expect(await t.position(second.ticket.id)).toBe(2);
      expect((await t.openForConversation('whatsapp', 'b'))?.id).toBe(second.ticket.id);
    } finally {
      await dispose();
    }
  });

  it('lets exactly one of several agents claim a ticket at the same time', async () => {
    const { tickets: t, dispose } = await tickets();
    try {
      const { ticket } = await t.open(newTicket('c'));
      const results = await Promise.all(['ana', 'luis', 'maria', 'jose'].map((agent) => t.claim(ticket.id, agent)));
      const winners = results.filter((r) => r.result === 'claimed');
      expect(winners).toHaveLength(1);
      const winner = winners[0].result === 'claimed' ? winners[0].ticket.agent : '';
      for (const loser of results.filter((r) => r.result !== 'claimed')) expect(loser).toEqual({ result: 'taken', agent: winner });
      expect((await t.get(ticket.id))?.status).toBe('active');
    } finally {
      await dispose();
    }
  });

  it('closes once, frees the conversation and refuses claims afterwards', async () => {
    const { tickets: t, dispose } = await tickets();
    try {
      const { ticket } = await t.open(newTicket('d'));
      const closes = await Promise.all([t.close(ticket.id, 'ana'), t.close(ticket.id, 'person')]);
      expect(closes.map((c) => c.result).sort()).toEqual(['already', 'closed']);
      expect(await t.openForConversation('directline', 'd')).toBeUndefined();
      expect(await t.claim(ticket.id, 'ana')).toEqual({ result: 'closed' });
      expect(await t.listOpen()).toEqual([]);
      expect((await t.open(newTicket('d'))).created).toBe(true);
    } finally {
      await dispose();
    }
  });

  it('stores transcripts redacted, and a closed ticket keeps the conversation up to its close', async () => {
    const { tickets: t, dispose } = await tickets();
    try {
      const { ticket } = await t.open(newTicket('e'));
      await t.record(ticket.conversationKey, { at: 1, from: 'user', text: 'mi cédula es 1714307103' });
      await t.record(ticket.conversationKey, { at: 2, from: 'user', text: 'el código: 482913' });
      await t.record(ticket.conversationKey, {
        at: 3,
        from: 'bot',
        text: 'Abre https://x.example/clave/nueva#Zr4x9_Qm1k-7TtYbW3u0pLsN2vC8hJdE5fGaRiOyXq0',
      });
      await t.close(ticket.id, 'ana');
      await t.record(ticket.conversationKey, { at: 4, from: 'user', text: 'después' });
      const entries = await t.transcript((await t.get(ticket.id))!);
      expect(entries.map((e) => e.text)).toEqual([
        'mi cédula es •••••••103',
        'el código: ••••••',
        'Abre https://x.example/clave/nueva#•••••',
      ]);
    } finally {
      await dispose();
    }
  });

  it('publishes changes to every subscriber', async () => {
    const { tickets: t, dispose } = await tickets();
    try {
      const seen: string[][] = [[], []];
      let heard!: () => void;
      const bothHeard = new Promise<void>((resolve) => (heard = resolve));
      const listen = (mine: string[]) =>
        t.subscribe((event) => {
          mine.push(event.type);
          if (seen.every((s) => s.includes('queue'))) heard();
        });
      // subscribe resolves once the store (Redis) confirmed it: nothing published after is missed.
      const unsubscribe = await Promise.all(seen.map(listen));
      await t.open(newTicket('f'));
      await bothHeard;
      expect(seen[0]).toContain('queue');
      expect(seen[1]).toContain('queue');
      await Promise.all(unsubscribe.map((stop) => stop()));
    } finally {
      await dispose();
    }
  });
}

describe('TicketStore on memory', () => {
  ticketStoreContract(async () => {
    const store = new MemoryKeyValueStore();
    return { store, dispose: () => store.close() };
  });
});

describe.skipIf(!redis.ok)(`TicketStore on Redis${redis.reason ? ` (skipped: no ${redis.reason})` : ''}`, () => {
  ticketStoreContract(() => redisKeyValueStore('handoff'));
});
