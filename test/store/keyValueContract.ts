import { afterEach, beforeEach, expect, it } from 'vitest';
import type { KeyValueStore } from '../../src/store/keyValue';
import { waitFor } from '../helpers/redis';

export interface ContractSubject {
  store: KeyValueStore;
  /** Removes what the test wrote and closes the store. */
  dispose(): Promise<void>;
}

/**
 * The behaviour every KeyValueStore must show, run against memory and Redis alike.
 * Call inside a describe block.
 */
export function keyValueContract(make: () => Promise<ContractSubject>): void {
  let subject: ContractSubject;
  let store: KeyValueStore;

  beforeEach(async () => {
    subject = await make();
    store = subject.store;
  });
  afterEach(async () => {
    await subject.dispose();
  });

  it('gets what was set, and nothing for an unknown key', async () => {
    expect(await store.get('nobody')).toBeUndefined();
    await store.set('a', 'uno', 60_000);
    expect(await store.get('a')).toBe('uno');
    await store.set('a', 'dos', 60_000);
    expect(await store.get('a')).toBe('dos');
  });

  it('forgets a value after its time to live', async () => {
    await store.set('short', 'x', 30);
    await store.set('long', 'y', 60_000);
    expect(await waitFor(async () => (await store.get('short')) === undefined, 5000)).toBe(true);
    expect(await store.get('long')).toBe('y');
  });

  it('touch gives a key a new time to live without changing it, and says when it is gone', async () => {
    await store.set('kept', 'v', 300);
    // Set after 'kept' with the same life: once it is gone, 'kept' would be too, untouched.
    await store.set('witness', 'w', 300);
    expect(await store.touch('kept', 60_000)).toBe(true);
    expect(await store.touch('never-set', 60_000)).toBe(false);
    expect(await waitFor(async () => (await store.get('witness')) === undefined, 5000)).toBe(true);
    expect(await store.get('kept')).toBe('v');
    await store.set('short', 'x', 60_000);
    expect(await store.touch('short', 30)).toBe(true);
    expect(await waitFor(async () => (await store.get('short')) === undefined, 5000)).toBe(true);
  });

  it('sets if absent only once, and again after a delete', async () => {
    expect(await store.setIfAbsent('once', '1', 60_000)).toBe(true);
    expect(await store.setIfAbsent('once', '2', 60_000)).toBe(false);
    expect(await store.get('once')).toBe('1');
    await store.delete('once');
    expect(await store.setIfAbsent('once', '3', 60_000)).toBe(true);
    expect(await store.get('once')).toBe('3');
  });

  it('lets exactly one of many parallel setIfAbsent win', async () => {
    const wins = await Promise.all(Array.from({ length: 30 }, (_, i) => store.setIfAbsent('race', String(i), 60_000)));
    expect(wins.filter(Boolean)).toHaveLength(1);
  });

  it('takes a value once', async () => {
    await store.set('link', 'data', 60_000);
    const takes = await Promise.all([store.take('link'), store.take('link'), store.take('link')]);
    expect(takes.filter((v) => v === 'data')).toHaveLength(1);
    expect(takes.filter((v) => v === undefined)).toHaveLength(2);
    expect(await store.get('link')).toBeUndefined();
  });

  it('deletes if equal only for the matching value', async () => {
    await store.set('lock', 'owner-a', 60_000);
    expect(await store.deleteIfEquals('lock', 'owner-b')).toBe(false);
    expect(await store.get('lock')).toBe('owner-a');
    expect(await store.deleteIfEquals('lock', 'owner-a')).toBe(true);
    expect(await store.get('lock')).toBeUndefined();
    expect(await store.deleteIfEquals('lock', 'owner-a')).toBe(false);
  });

  it('counts wrong tries, then accepts the right secret once', async () => {
    await store.putSecret('code', { hash: 'right', data: '{"n":1}' }, 60_000);
    expect(await store.attemptSecret('code', 'wrong', 5)).toEqual({ result: 'wrong', triesLeft: 4 });
    expect(await store.attemptSecret('code', 'wrong', 5)).toEqual({ result: 'wrong', triesLeft: 3 });
    expect(await store.attemptSecret('code', 'right', 5)).toEqual({ result: 'ok', data: '{"n":1}' });
    expect(await store.attemptSecret('code', 'right', 5)).toEqual({ result: 'missing' });
  });

  it('kills a secret after the last wrong try, so the right one no longer works', async () => {
    await store.putSecret('code', { hash: 'right', data: 'd' }, 60_000);
    for (let left = 2; left >= 0; left -= 1)
      expect(await store.attemptSecret('code', 'nope', 3)).toEqual({ result: 'wrong', triesLeft: left });
    expect(await store.attemptSecret('code', 'right', 3)).toEqual({ result: 'missing' });
  });

  it('resets the tries when a new secret replaces the old one', async () => {
    await store.putSecret('code', { hash: 'first', data: 'd1' }, 60_000);
    await store.attemptSecret('code', 'nope', 3);
    await store.attemptSecret('code', 'nope', 3);
    await store.putSecret('code', { hash: 'second', data: 'd2' }, 60_000);
    expect(await store.attemptSecret('code', 'first', 3)).toEqual({ result: 'wrong', triesLeft: 2 });
    expect(await store.attemptSecret('code', 'second', 3)).toEqual({ result: 'ok', data: 'd2' });
  });

  it('answers missing for an unknown or expired secret', async () => {
    expect(await store.attemptSecret('ghost', 'x', 5)).toEqual({ result: 'missing' });
    await store.putSecret('brief', { hash: 'h', data: 'd' }, 30);
    expect(await waitFor(async () => (await store.attemptSecret('brief', 'other', 100)).result === 'missing', 5000)).toBe(true);
  });

  it('accepts the right secret at most once when 50 attempts run at the same time', async () => {
    await store.putSecret('code', { hash: 'right', data: 'once' }, 60_000);
    const results = await Promise.all(Array.from({ length: 50 }, () => store.attemptSecret('code', 'right', 5)));
    expect(results.filter((r) => r.result === 'ok')).toEqual([{ result: 'ok', data: 'once' }]);
    expect(results.filter((r) => r.result === 'missing')).toHaveLength(49);
  });

  it('counts exactly maxTries wrong attempts when 50 run at the same time', async () => {
    await store.putSecret('code', { hash: 'right', data: 'd' }, 60_000);
    const results = await Promise.all(Array.from({ length: 50 }, () => store.attemptSecret('code', 'guess', 5)));
    const wrong = results.filter((r) => r.result === 'wrong');
    expect(wrong.map((r) => (r.result === 'wrong' ? r.triesLeft : -1)).sort()).toEqual([0, 1, 2, 3, 4]);
    expect(results.filter((r) => r.result === 'missing')).toHaveLength(45);
  });

  it('appends to a list and reads it from any position', async () => {
    expect(await store.range('log')).toEqual([]);
    expect(await store.append('log', 'a', 60_000)).toBe(1);
    expect(await store.append('log', 'b', 60_000)).toBe(2);
    expect(await store.append('log', 'c', 60_000)).toBe(3);
    expect(await store.range('log')).toEqual(['a', 'b', 'c']);
    expect(await store.range('log', 1)).toEqual(['b', 'c']);
    expect(await store.range('log', 3)).toEqual([]);
  });

  it('rewrites one item of a list in place, and says when there is none', async () => {
    await store.append('rewritten', 'a', 60_000);
    await store.append('rewritten', 'b', 60_000);
    expect(await store.replaceAt('rewritten', 0, 'A')).toBe(true);
    expect(await store.range('rewritten')).toEqual(['A', 'b']);
    expect(await store.replaceAt('rewritten', 2, 'c')).toBe(false);
    expect(await store.replaceAt('never-written', 0, 'x')).toBe(false);
    expect(await store.range('rewritten')).toEqual(['A', 'b']);
  });

  it('keeps every item of many parallel appends', async () => {
    const lengths = await Promise.all(Array.from({ length: 40 }, (_, i) => store.append('busy', String(i), 60_000)));
    expect([...lengths].sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect((await store.range('busy')).map(Number).sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i));
  });

  it('forgets a list after its time to live', async () => {
    await store.append('brief', 'x', 30);
    expect(await waitFor(async () => (await store.range('brief')).length === 0, 5000)).toBe(true);
  });

  it('delivers published messages to every subscriber until it unsubscribes', async () => {
    const first: string[] = [];
    const second: string[] = [];
    const stopFirst = await store.subscribe('news', (m) => first.push(m));
    const stopSecond = await store.subscribe('news', (m) => second.push(m));
    const other: string[] = [];
    const stopOther = await store.subscribe('other', (m) => other.push(m));

    await store.publish('news', 'hola');
    expect(await waitFor(() => first.length === 1 && second.length === 1, 5000)).toBe(true);
    expect(first).toEqual(['hola']);
    expect(second).toEqual(['hola']);

    await stopFirst();
    await store.publish('news', 'otra');
    expect(await waitFor(() => second.length === 2, 5000)).toBe(true);
    expect(first).toEqual(['hola']);
    expect(second).toEqual(['hola', 'otra']);
    expect(other).toEqual([]);

    await stopSecond();
    await stopOther();
  });

  it('adds to counters of a group atomically, up and down, and forgets the group after its time to live', async () => {
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.increment('funnel', i % 2 ? 'a' : 'b', 1, 60_000)));
    await store.increment('funnel', 'a', -3, 60_000);
    expect(await store.counts('funnel')).toEqual({ a: 7, b: 10 });
    expect(await store.counts('nothing')).toEqual({});
    await store.increment('brief', 'x', 1, 50);
    expect(await waitFor(async () => Object.keys(await store.counts('brief')).length === 0, 5000)).toBe(true);
  });

  it('answers ping', async () => {
    expect(await store.ping()).toBe(true);
  });
}
