import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { ImageRef } from '../../app/ipc/contract.ts';
import { migrate, MIGRATIONS } from './migrations.ts';
import { openStore } from './store.ts';
import { tempDir, tempStore, tickingClock } from './testing/temp.ts';
import type { Store } from './types.ts';

function image(store: Store, seed: number, detail: ImageRef['detail'] = 'high'): ImageRef {
  const meta = { name: `shot-${seed}.png`, mime: 'image/png', width: 640, height: 480 };
  const { sha256 } = store.putImage(new Uint8Array([seed, 1, 2, 3]), meta);
  return { sha256, ...meta, detail };
}

describe('drafts', () => {
  it('saves, reads back, replaces and clears a thread’s draft', () => {
    const { store } = tempStore({ now: tickingClock(1000) });
    const thread = store.createThread('Receipts');
    expect(store.getDraft(thread.id)).toBeNull();

    const low = image(store, 1, 'low');
    const saved = store.saveDraft(thread.id, { text: 'What is the total?', images: [low] });
    expect(saved).toEqual({ text: 'What is the total?', images: [low], updatedAt: expect.any(Number) });
    expect(store.getDraft(thread.id)).toEqual(saved);

    const high = image(store, 2);
    const replaced = store.saveDraft(thread.id, { text: 'And the tax?', images: [high, low] });
    expect(replaced?.images.map((i) => i.sha256)).toEqual([high.sha256, low.sha256]);
    expect(replaced?.updatedAt).toBeGreaterThan(saved?.updatedAt ?? Infinity);

    store.clearDraft(thread.id);
    expect(store.getDraft(thread.id)).toBeNull();
  });

  it('clears the draft when nothing is left in it, and keeps only the image fields', () => {
    const { store } = tempStore();
    const thread = store.createThread();
    const img = { ...image(store, 3), extra: 'not kept' } as ImageRef;
    store.saveDraft(thread.id, { text: '', images: [img] });
    expect(store.getDraft(thread.id)?.images[0]).not.toHaveProperty('extra');
    expect(store.saveDraft(thread.id, { text: '', images: [] })).toBeNull();
    expect(store.getDraft(thread.id)).toBeNull();
  });

  it('refuses a deleted thread and an image that is not stored, changing nothing', () => {
    const { store } = tempStore();
    const thread = store.createThread();
    store.saveDraft(thread.id, { text: 'kept', images: [] });
    const missing = { ...image(store, 4), sha256: 'f'.repeat(64) };
    expect(() => store.saveDraft(thread.id, { text: 'new', images: [missing] })).toThrow(/Image/);
    expect(store.getDraft(thread.id)?.text).toBe('kept');
    expect(() => store.saveDraft('no-such-thread', { text: 'x', images: [] })).toThrow(/Thread/);
  });

  it('keeps the draft through a delete and its undo; purging the thread removes it', () => {
    const { store } = tempStore();
    const thread = store.createThread();
    const img = image(store, 5);
    store.saveDraft(thread.id, { text: 'half a question', images: [img] });

    store.deleteThread(thread.id);
    expect(() => store.saveDraft(thread.id, { text: 'x', images: [] })).toThrow(/Thread/);
    store.restoreThread(thread.id);
    expect(store.getDraft(thread.id)?.text).toBe('half a question');

    store.deleteThread(thread.id);
    store.purgeDeleted();
    expect(store.getDraft(thread.id)).toBeNull();
    // The image stays: the store never collects images.
    expect(store.getImageBytes(img.sha256)).not.toBeNull();
  });

  it('survives closing and opening the store again', () => {
    const { store, dir } = tempStore();
    const thread = store.createThread();
    const img = image(store, 6, 'low');
    store.saveDraft(thread.id, { text: 'after a crash', images: [img] });
    store.close();
    const reopened = openStore(dir);
    expect(reopened.getDraft(thread.id)).toMatchObject({ text: 'after a crash', images: [img] });
    reopened.close();
  });

  it('adds the drafts table to a database of the previous version, keeping its threads', () => {
    const dir = tempDir();
    const old = new Database(path.join(dir, 'tessera.db'));
    migrate(old, MIGRATIONS.slice(0, 4));
    old.exec(`INSERT INTO threads (id, title, created_at, updated_at) VALUES ('t1', 'Old thread', 1, 2)`);
    old.close();

    const store = openStore(dir);
    expect(store.getThread('t1')?.thread.title).toBe('Old thread');
    expect(store.getDraft('t1')).toBeNull();
    store.saveDraft('t1', { text: 'new in version 5', images: [] });
    expect(store.getDraft('t1')?.text).toBe('new in version 5');
    store.close();

    const db = new Database(path.join(dir, 'tessera.db'));
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    expect(db.pragma('foreign_key_check')).toEqual([]);
    db.close();
  });
});
