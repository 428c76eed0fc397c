import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { TesseraError } from '../../app/errors.ts';
import { LIST_SQL } from './queries.ts';
import { openStore, UNTITLED } from './store.ts';
import { tempStore, tickingClock } from './testing/temp.ts';
import type { Store } from './types.ts';

function expectNotFound(fn: () => unknown, what: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(TesseraError);
  expect((caught as TesseraError).code).toBe('NOT_FOUND');
  expect((caught as TesseraError).message).toMatch(what);
}

function ask(store: Store, threadId: string, text: string, parentId: string | null = null) {
  return store.addMessage({
    threadId,
    parentId,
    role: 'user',
    parts: [{ type: 'text', text }],
    status: 'complete',
  });
}

describe('opening', () => {
  it('creates tessera.db in WAL mode with foreign keys on', () => {
    const { store, dir } = tempStore();
    store.close();
    const db = new Database(path.join(dir, 'tessera.db'));
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
    // Per-connection pragmas: check them through a store that is open.
    const reopened = openStore(dir) as unknown as { db: Database.Database };
    expect(reopened.db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(reopened.db.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
    (reopened as unknown as Store).close();
  });

  it('keeps data across close and reopen', () => {
    const { store, dir } = tempStore();
    const thread = store.createThread('Kept');
    const message = ask(store, thread.id, 'hello');
    store.close();
    const again = openStore(dir);
    expect(again.getThread(thread.id)?.messages.map((m) => m.id)).toEqual([message.id]);
    again.close();
  });
});

describe('threads', () => {
  it('creates, renames and updates', () => {
    const { store } = tempStore({ now: tickingClock() });
    const thread = store.createThread();
    expect(thread).toMatchObject({ title: UNTITLED, currentLeafId: null, modelId: null, temperature: null });
    expect(thread.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(store.createThread('  Receipts  ').title).toBe('Receipts');

    expect(store.renameThread(thread.id, ' Cats ').title).toBe('Cats');
    const updated = store.updateThread(thread.id, { modelId: 'qwen', temperature: 0.7 });
    expect(updated).toMatchObject({ title: 'Cats', modelId: 'qwen', temperature: 0.7, systemPrompt: null });
    // undefined leaves a field alone, null clears it.
    const cleared = store.updateThread(thread.id, { modelId: null, systemPrompt: 'Be brief.' });
    expect(cleared).toMatchObject({ modelId: null, temperature: 0.7, systemPrompt: 'Be brief.' });
    expect(store.getThread(thread.id)?.thread).toEqual(cleared);
  });

  it('keeps the choice to send earlier images at Low detail, off by default', () => {
    const { store, dir } = tempStore();
    const thread = store.createThread();
    expect(thread.earlierImagesLow).toBe(false);
    expect(store.updateThread(thread.id, { earlierImagesLow: true }).earlierImagesLow).toBe(true);
    // Other changes leave it alone.
    expect(store.updateThread(thread.id, { temperature: 0.2 }).earlierImagesLow).toBe(true);
    store.close();
    const again = openStore(dir);
    expect(again.getThread(thread.id)?.thread.earlierImagesLow).toBe(true);
    expect(again.updateThread(thread.id, { earlierImagesLow: false }).earlierImagesLow).toBe(false);
    again.close();
  });

  it('lists most recently updated first, with a limit', () => {
    const { store } = tempStore({ now: tickingClock() });
    const a = store.createThread('a');
    const b = store.createThread('b');
    const c = store.createThread('c');
    expect(store.listThreads().map((t) => t.title)).toEqual(['c', 'b', 'a']);
    ask(store, a.id, 'bump'); // a message makes a thread the most recent
    expect(store.listThreads().map((t) => t.id)).toEqual([a.id, c.id, b.id]);
    expect(store.listThreads({ limit: 2 }).map((t) => t.id)).toEqual([a.id, c.id]);
    expect(store.listThreads()[0]).toEqual({
      id: a.id,
      title: 'a',
      updatedAt: expect.any(Number),
      snippet: null,
    });
  });

  it('soft-deletes, restores and purges', () => {
    const { store } = tempStore({ now: tickingClock() });
    const keep = store.createThread('keep');
    const gone = store.createThread('gone');
    const q = ask(store, gone.id, 'question');
    store.deleteThread(gone.id);
    store.deleteThread(gone.id); // twice is fine
    expect(store.listThreads().map((t) => t.id)).toEqual([keep.id]);
    expect(store.getThread(gone.id)).toBeNull();
    expectNotFound(() => store.renameThread(gone.id, 'x'), /Thread not found/);

    const restored = store.restoreThread(gone.id);
    expect(restored.currentLeafId).toBe(q.id);
    expect(store.listThreads().map((t) => t.id)).toEqual([gone.id, keep.id]);

    store.deleteThread(gone.id);
    store.purgeDeleted();
    expectNotFound(() => store.restoreThread(gone.id), /Thread not found/);
    expect(store.getMessage(q.id)).toBeNull();
    expect(store.listThreads().map((t) => t.id)).toEqual([keep.id]);
  });

  it('purges a long conversation whose messages point at each other', () => {
    const { store } = tempStore();
    const thread = store.createThread();
    let parent: string | null = null;
    for (let i = 0; i < 1500; i++) parent = ask(store, thread.id, `m${i}`, parent).id;
    store.deleteThread(thread.id);
    store.purgeDeleted();
    expect(store.getMessage(parent ?? '')).toBeNull();
  });

  it('throws NOT_FOUND with the id for unknown threads', () => {
    const { store } = tempStore();
    expect(store.getThread('nope')).toBeNull();
    expectNotFound(() => store.renameThread('nope', 'x'), /Thread not found: nope/);
    expectNotFound(() => store.updateThread('nope', {}), /nope/);
    expectNotFound(() => store.deleteThread('nope'), /nope/);
    expectNotFound(() => store.restoreThread('nope'), /nope/);
    expectNotFound(() => store.setCurrentLeaf('nope', 'x'), /nope/);
    expectNotFound(() => store.exportMarkdown('nope'), /nope/);
    expectNotFound(() => store.exportJson('nope'), /nope/);
  });

  it('lists thousands of threads off the updated_at index', () => {
    const { store, dir } = tempStore();
    const db = (store as unknown as { db: Database.Database }).db;
    const insert = db.prepare('INSERT INTO threads (id, title, created_at, updated_at) VALUES (?, ?, ?, ?)');
    db.transaction(() => {
      for (let i = 0; i < 5000; i++) insert.run(`t${i}`, `Thread ${i}`, i, (i * 7919) % 5000);
    })();
    store.deleteThread('t1');

    const listed = store.listThreads();
    expect(listed).toHaveLength(4999);
    const times = listed.map((t) => t.updatedAt);
    expect(times).toEqual([...times].sort((x, y) => y - x));
    expect(store.listThreads({ limit: 50 })).toEqual(listed.slice(0, 50));

    // The plan walks the index in order: no full scan, no sort.
    const reader = new Database(path.join(dir, 'tessera.db'), { readonly: true });
    const plan = reader
      .prepare(`EXPLAIN QUERY PLAN ${LIST_SQL}`)
      .all(50)
      .map((row) => (row as { detail: string }).detail);
    reader.close();
    expect(plan).toEqual(['SCAN threads USING INDEX threads_recent']);
  });
});

describe('settings', () => {
  it('starts from the defaults', () => {
    const { store } = tempStore();
    expect(store.getSettings()).toEqual({
      activeModelId: null,
      device: 'auto',
      theme: 'system',
      sampling: { temperature: 0, maxTokens: 512, topP: 1 },
      systemPrompt: '',
      contextOverflow: 'stop',
      presets: [],
      redactBeforeAttach: false,
    });
  });

  it('merges changes, sampling field by field, and keeps them', () => {
    const { store, dir } = tempStore();
    store.updateSettings({ theme: 'dark', activeModelId: 'smol' });
    const next = store.updateSettings({
      sampling: { temperature: 0.5 },
      activeModelId: undefined,
      contextOverflow: 'drop-oldest',
      redactBeforeAttach: true,
    });
    expect(next).toEqual({
      activeModelId: 'smol',
      device: 'auto',
      theme: 'dark',
      sampling: { temperature: 0.5, maxTokens: 512, topP: 1 },
      systemPrompt: '',
      contextOverflow: 'drop-oldest',
      presets: [],
      redactBeforeAttach: true,
    });
    expect(store.updateSettings({ activeModelId: null }).activeModelId).toBeNull();
    store.close();
    const again = openStore(dir);
    expect(again.getSettings()).toEqual({ ...next, activeModelId: null });
    again.close();
  });
});
