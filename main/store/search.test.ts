import type Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { toFtsQuery } from './queries.ts';
import { tempStore, tickingClock } from './testing/temp.ts';
import type { Store } from './types.ts';

function thread(store: Store, title: string | undefined, ...texts: string[]): string {
  const id = store.createThread(title).id;
  let parent: string | null = null;
  texts.forEach((text, i) => {
    const role = i % 2 === 0 ? 'user' : 'assistant';
    parent = store.addMessage({
      threadId: id,
      parentId: parent,
      role,
      parts: [{ type: 'text', text }],
      status: 'complete',
    }).id;
  });
  return id;
}

describe('toFtsQuery', () => {
  it('quotes every word and makes the last a prefix', () => {
    expect(toFtsQuery('red boat')).toBe('"red" "boat"*');
    expect(toFtsQuery('say "hi"')).toBe('"say" """hi"""*');
    expect(toFtsQuery('a - * :')).toBe('"a"*');
    expect(toFtsQuery(' -- "" ')).toBeNull();
  });
});

describe('search', () => {
  it('finds words in messages and titles, most recent first, with a snippet', () => {
    const { store } = tempStore({ now: tickingClock() });
    const boats = thread(
      store,
      'Harbour',
      'What floats here?',
      'A small red boat is moored at the pier, next to a lighthouse.',
    );
    const cats = thread(store, 'Cats', 'Is that a boat?', 'No, it is a cat in a box.');
    const title = thread(store, 'Boat trip plans');
    const other = thread(store, 'Other', 'Nothing to see');

    const hits = store.listThreads({ query: 'boat' });
    expect(hits.map((h) => h.id)).toEqual([title, cats, boats]);
    expect(hits[2]?.snippet).toContain('red boat');
    expect(hits[2]?.snippet?.length).toBeLessThan(80); // an excerpt, not the whole message
    expect(hits[1]?.snippet).toBe('Is that a boat?');
    expect(hits[0]?.snippet).toBeNull(); // title match only
    expect(store.listThreads({ query: 'boa' }).map((h) => h.id)).toEqual([title, cats, boats]); // prefix
    expect(store.listThreads({ query: 'red pier' }).map((h) => h.id)).toEqual([boats]); // all words
    expect(store.listThreads({ query: 'red cat' })).toEqual([]);
    expect(store.listThreads({ query: 'nothing', limit: 1 }).map((h) => h.id)).toEqual([other]);
    expect(store.listThreads({ query: 'boat', limit: 1 }).map((h) => h.id)).toEqual([title]);
  });

  it('takes the snippet from the newest matching message', () => {
    const { store } = tempStore({ now: tickingClock() });
    const id = thread(store, 'T', 'first apple', 'second apple', 'third pear');
    expect(store.listThreads({ query: 'apple' })).toEqual([
      { id, title: 'T', updatedAt: expect.any(Number), snippet: 'second apple' },
    ]);
  });

  it('treats FTS syntax in a query as text', () => {
    const { store } = tempStore({ now: tickingClock() });
    const id = thread(store, 'Syntax', 'He said "hello world" to the co-pilot: NEAR the end* OR not');
    for (const query of [
      '"hello',
      'hello"',
      '"hello world"',
      'co-pilot',
      'pilot:',
      'co-pilot: near',
      'end*',
      'hello -world',
      'OR',
      'NOT hello',
      'NEAR(hello world)',
      '(hello',
      "hello' --",
      '^hello',
      'hel*o',
    ]) {
      expect(() => store.listThreads({ query }), query).not.toThrow();
    }
    expect(store.listThreads({ query: '"hello world"' }).map((h) => h.id)).toEqual([id]);
    expect(store.listThreads({ query: 'co-pilot:' }).map((h) => h.id)).toEqual([id]);
    expect(store.listThreads({ query: 'NOT hello' }).map((h) => h.id)).toEqual([id]); // NOT is a word here
    expect(store.listThreads({ query: '***' })).toEqual([]);
    expect(store.listThreads({ query: '   ' }).map((h) => h.id)).toEqual([id]); // blank: the plain list
  });

  it('ignores accents and case', () => {
    const { store } = tempStore();
    const id = thread(store, undefined, 'Un CAFÉ près de la rivière');
    expect(store.listThreads({ query: 'cafe riviere' }).map((h) => h.id)).toEqual([id]);
  });

  it('hides deleted threads until restored, and forgets purged ones', () => {
    const { store } = tempStore({ now: tickingClock() });
    const id = thread(store, 'Zebra notes', 'stripes everywhere');
    store.deleteThread(id);
    expect(store.listThreads({ query: 'stripes' })).toEqual([]);
    expect(store.listThreads({ query: 'zebra' })).toEqual([]);
    store.restoreThread(id);
    expect(store.listThreads({ query: 'stripes' }).map((h) => h.id)).toEqual([id]);
    store.deleteThread(id);
    store.purgeDeleted();
    const db = (store as unknown as { db: Database.Database }).db;
    expect(db.prepare('SELECT count(*) FROM message_fts').pluck().get()).toBe(0);
    expect(db.prepare('SELECT count(*) FROM thread_fts').pluck().get()).toBe(0);
  });

  it('indexes renamed titles and streamed answers once finished', () => {
    const { store } = tempStore({ now: tickingClock() });
    const id = thread(store, 'Old name', 'question');
    store.renameThread(id, 'Giraffe');
    expect(store.listThreads({ query: 'old' })).toEqual([]);
    expect(store.listThreads({ query: 'giraffe' }).map((h) => h.id)).toEqual([id]);

    const parentId = store.getThread(id)?.thread.currentLeafId ?? null;
    const a = store.addMessage({ threadId: id, parentId, role: 'assistant', parts: [], status: 'streaming' });
    store.appendText(a.id, 'an okapi ');
    expect(store.listThreads({ query: 'okapi' })).toEqual([]); // not indexed token by token
    store.appendText(a.id, 'eats leaves');
    store.finishMessage(a.id, { status: 'complete' });
    expect(store.listThreads({ query: 'okapi leaves' })[0]?.snippet).toBe('an okapi eats leaves');
  });
});
