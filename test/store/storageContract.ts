import { AutoSaveStateMiddleware, ConversationState, MessageFactory, type Storage, TestAdapter } from 'botbuilder';
import { Dialog, DialogSet, TextPrompt, WaterfallDialog } from 'botbuilder-dialogs';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { waitFor } from '../helpers/redis';

export interface StorageSubject {
  storage: Storage;
  dispose(): Promise<void>;
}

/**
 * The behaviour botbuilder expects from every Storage (the cases of botbuilder-core's own
 * storage base tests, written afresh), plus our time to live. Call inside a describe block;
 * `make(ttlMs)` builds a fresh, empty storage.
 */
export function storageContract(make: (ttlMs: number) => Promise<StorageSubject>): void {
  let subject: StorageSubject;
  let storage: Storage;
  const extra: StorageSubject[] = [];

  beforeEach(async () => {
    subject = await make(60_000);
    storage = subject.storage;
  });
  afterEach(async () => {
    await subject.dispose();
    await Promise.all(extra.splice(0).map((s) => s.dispose()));
  });

  it('returns no items for an unknown key', async () => {
    const items = await storage.read(['unknown']);
    expect(items).toEqual({});
  });

  it('refuses to read or write without keys', async () => {
    await expect(storage.read(null as unknown as string[])).rejects.toThrow(ReferenceError);
    await expect(storage.write(null as unknown as Record<string, object>)).rejects.toThrow(ReferenceError);
  });

  it('writes nothing without complaint', async () => {
    await expect(storage.write({})).resolves.toBeUndefined();
    await expect(storage.write([])).resolves.toBeUndefined();
  });

  it('creates items and gives each an eTag', async () => {
    await storage.write({ createPoco: { id: 1 }, createPocoStoreItem: { id: 2 } });
    const items = await storage.read(['createPoco', 'createPocoStoreItem']);
    expect(items.createPoco.id).toBe(1);
    expect(items.createPocoStoreItem.id).toBe(2);
    expect(typeof items.createPoco.eTag).toBe('string');
    expect(typeof items.createPocoStoreItem.eTag).toBe('string');
  });

  it('handles keys full of odd characters', async () => {
    const key = '!@#$%^&*()~/\\><,.?\';"`~ ñandú/conversations/whatsapp:+593';
    await storage.write({ [key]: { id: 1 } });
    const items = await storage.read([key]);
    expect(items[key].id).toBe(1);
  });

  it('updates: no eTag and * always win, a stale eTag is rejected', async () => {
    await storage.write({ pocoItem: { id: 1, count: 1 }, pocoStoreItem: { id: 1, count: 1 } });
    const loaded = await storage.read(['pocoItem', 'pocoStoreItem']);
    const poco = loaded.pocoItem;
    delete poco.eTag;
    const storeItem = loaded.pocoStoreItem;
    const firstETag = storeItem.eTag;
    expect(firstETag).toBeTruthy();

    poco.count += 1;
    storeItem.count += 1;
    await storage.write(loaded);
    const reloaded = await storage.read(['pocoItem', 'pocoStoreItem']);
    expect(reloaded.pocoItem.count).toBe(2);
    expect(reloaded.pocoStoreItem.count).toBe(2);
    expect(reloaded.pocoItem.eTag).toBeTruthy();
    expect(reloaded.pocoStoreItem.eTag).not.toBe(firstETag);

    // Without an eTag the write wins even though the item changed since.
    poco.count = 123;
    await expect(storage.write({ pocoItem: poco })).resolves.toBeUndefined();

    // With the old eTag the write is refused and changes nothing.
    storeItem.count = 123;
    await expect(storage.write({ pocoStoreItem: storeItem })).rejects.toThrow(/eTag conflict/);
    const afterConflict = await storage.read(['pocoItem', 'pocoStoreItem']);
    expect(afterConflict.pocoItem.count).toBe(123);
    expect(afterConflict.pocoStoreItem.count).toBe(2);

    // `*` always wins.
    const wildcard = { ...afterConflict.pocoStoreItem, count: 100, eTag: '*' };
    await storage.write({ pocoItem: { ...afterConflict.pocoItem, count: 100 }, pocoStoreItem: wildcard });
    const final = await storage.read(['pocoItem', 'pocoStoreItem']);
    expect(final.pocoItem.count).toBe(100);
    expect(final.pocoStoreItem.count).toBe(100);
  });

  it('writes with the current eTag, once: the second writer with the same eTag loses', async () => {
    await storage.write({ state: { step: 1 } });
    const { state } = await storage.read(['state']);
    await storage.write({ state: { ...state, step: 2 } });
    await expect(storage.write({ state: { ...state, step: 3 } })).rejects.toThrow(/eTag conflict/);
    expect((await storage.read(['state'])).state.step).toBe(2);
  });

  it('lets exactly one of many parallel writers with the same eTag win', async () => {
    await storage.write({ race: { winner: -1 } });
    const { race } = await storage.read(['race']);
    const outcomes = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => storage.write({ race: { ...race, winner: i } })));
    const won = outcomes.flatMap((o, i) => (o.status === 'fulfilled' ? [i] : []));
    expect(won).toHaveLength(1);
    expect((await storage.read(['race'])).race.winner).toBe(won[0]);
  });

  it('refuses an eTag write to an item deleted since it was read', async () => {
    await storage.write({ gone: { n: 1 } });
    const { gone } = await storage.read(['gone']);
    await storage.delete(['gone']);
    await expect(storage.write({ gone: { ...gone, n: 2 } })).rejects.toThrow(/eTag conflict/);
    expect(await storage.read(['gone'])).toEqual({});
  });

  it('still writes the other items of a batch when one conflicts', async () => {
    await storage.write({ one: { n: 1 }, two: { n: 1 } });
    const read = await storage.read(['one', 'two']);
    await storage.write({ one: { n: 5 } });
    await expect(storage.write({ one: { ...read.one, n: 2 }, two: { ...read.two, n: 2 } })).rejects.toThrow(/eTag conflict/);
    const after = await storage.read(['one', 'two']);
    expect(after.one.n).toBe(5);
    expect(after.two.n).toBe(2);
  });

  it('deletes an item, and deleting an unknown key is fine', async () => {
    await storage.write({ delete1: { id: 1, count: 1 } });
    const read = await storage.read(['delete1']);
    expect(read.delete1.count).toBe(1);
    expect(read.delete1.eTag).toBeTruthy();
    await storage.delete(['delete1']);
    expect((await storage.read(['delete1'])).delete1).toBeUndefined();
    await expect(storage.delete(['unknown_key'])).resolves.toBeUndefined();
  });

  it('reads, writes and deletes in batches, leaving missing keys out', async () => {
    await storage.write({ batch1: { count: 10 }, batch2: { count: 20 }, batch3: { count: 30 } });
    const result = await storage.read(['batch1', 'batch2', 'batch3', 'missing']);
    expect(Object.keys(result).sort()).toEqual(['batch1', 'batch2', 'batch3']);
    expect([result.batch1.count, result.batch2.count, result.batch3.count]).toEqual([10, 20, 30]);
    await storage.delete(['batch1', 'batch2', 'batch3']);
    expect(await storage.read(['batch1', 'batch2', 'batch3'])).toEqual({});
  });

  it('returns copies: changing what was read does not change the store', async () => {
    await storage.write({ copy: { list: [1] } });
    const first = await storage.read(['copy']);
    first.copy.list.push(2);
    expect((await storage.read(['copy'])).copy.list).toEqual([1]);
  });

  it('forgets an item after its time to live, and every write renews it', async () => {
    const brief = await make(300);
    extra.push(brief);
    await brief.storage.write({ kept: { n: 1 }, dropped: { n: 1 } });
    // Rewrite `kept` until `dropped` has expired; `kept` must survive each time.
    const expired = await waitFor(
      async () => {
        await brief.storage.write({ kept: { n: 2, eTag: '*' } });
        return (await brief.storage.read(['dropped'])).dropped === undefined;
      },
      5000,
      50,
    );
    expect(expired).toBe(true);
    expect((await brief.storage.read(['kept'])).kept.n).toBe(2);
    expect(await waitFor(async () => (await brief.storage.read(['kept'])).kept === undefined, 5000)).toBe(true);
  });

  it('carries a waterfall dialog with a retried prompt through its turns', async () => {
    const conversationState = new ConversationState(storage);
    const dialogs = new DialogSet(conversationState.createProperty('dialogState'));
    dialogs.add(
      new TextPrompt('name', async (prompt) => {
        const ok = (prompt.recognized.value ?? '').length > 3;
        await prompt.context.sendActivity(ok ? `ok after ${prompt.attemptCount}` : `too short ${prompt.attemptCount}`);
        return ok;
      }),
    );
    dialogs.add(
      new WaterfallDialog('flow', [
        async (step) => {
          await step.context.sendActivity('step1');
          return Dialog.EndOfTurn;
        },
        async (step) => step.prompt('name', { prompt: MessageFactory.text('your name?') }),
        async (step) => {
          await step.context.sendActivity(`step3 ${step.result}`);
          return Dialog.EndOfTurn;
        },
      ]),
    );
    const adapter = new TestAdapter(async (context) => {
      const dc = await dialogs.createContext(context);
      await dc.continueDialog();
      if (!context.responded) await dc.beginDialog('flow');
    }).use(new AutoSaveStateMiddleware(conversationState));

    await adapter
      .send('hola')
      .assertReply('step1')
      .send('hola')
      .assertReply('your name?')
      .send('yo')
      .assertReply('too short 1')
      .send('yo')
      .assertReply('too short 2')
      .send('Kyle')
      .assertReply('ok after 3')
      .assertReply('step3 Kyle')
      .startTest();
  });
}
