import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { DraftVideo, ImageRef } from '../../app/ipc/contract.ts';
import { migrate, MIGRATIONS } from './migrations.ts';
import { openStore } from './store.ts';
import { tempDir, tempStore, tickingClock } from './testing/temp.ts';
import type { Store } from './types.ts';

function image(store: Store, seed: number, detail: ImageRef['detail'] = 'high'): ImageRef {
  const meta = { name: `shot-${seed}.png`, mime: 'image/png', width: 640, height: 480 };
  const { sha256 } = store.putImage(new Uint8Array([seed, 1, 2, 3]), meta);
  return { sha256, ...meta, detail };
}

/** A clip of two sampled frames, stored as images (as the composer stores a video's frames). */
function video(store: Store, seed: number): DraftVideo {
  const frames = [0, 1].map((i) => ({ sha256: image(store, seed + i).sha256, seconds: i * 0.5 }));
  return {
    name: `clip-${seed}.webm`,
    source: { size: { width: 640, height: 480 }, totalFrames: 30, frameRate: 30 },
    sampling: { fps: 2 },
    start: 0.25,
    durationSeconds: 1,
    clipSeconds: 3,
    frames,
  };
}

describe('drafts', () => {
  it('saves, reads back, replaces and clears a thread’s draft', () => {
    const { store } = tempStore({ now: tickingClock(1000) });
    const thread = store.createThread('Receipts');
    expect(store.getDraft(thread.id)).toBeNull();

    const low = image(store, 1, 'low');
    const saved = store.saveDraft(thread.id, { text: 'What is the total?', images: [low] });
    expect(saved).toEqual({
      text: 'What is the total?',
      images: [low],
      videos: [],
      droppedVideos: [],
      updatedAt: expect.any(Number),
    });
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

  it('keeps a draft’s videos (frames by hash with their times, the clip, sampling and trim) through a reopen', () => {
    const { store, dir } = tempStore();
    const thread = store.createThread();
    const clip = { ...video(store, 10), extra: 'not kept' } as DraftVideo;
    // A video alone is a draft.
    const saved = store.saveDraft(thread.id, { text: '', images: [], videos: [clip] });
    const { extra: _, ...kept } = clip as DraftVideo & { extra: string };
    expect(saved).toMatchObject({ text: '', images: [], videos: [kept], droppedVideos: [] });
    expect(saved?.videos[0]).not.toHaveProperty('extra');
    store.close();
    const reopened = openStore(dir);
    expect(reopened.getDraft(thread.id)).toEqual(saved);
    expect(reopened.saveDraft(thread.id, { text: '', images: [], videos: [] })).toBeNull();
    reopened.close();
  });

  it('counts a drafted video’s frames as referenced, so discarding them is refused', () => {
    const { store } = tempStore();
    const thread = store.createThread();
    const clip = video(store, 20);
    const [first] = clip.frames;
    store.saveDraft(thread.id, { text: 'What happens?', images: [], videos: [clip] });
    expect(() => store.discardImage(first?.sha256 ?? '')).toThrow(/draft/);
    expect(store.getImageBytes(first?.sha256 ?? '')).not.toBeNull();
    // Out of the draft, the frame is nobody's: it can go.
    store.saveDraft(thread.id, { text: 'What happens?', images: [], videos: [] });
    store.discardImage(first?.sha256 ?? '');
    expect(store.getImageMeta(first?.sha256 ?? '')).toBeNull();
  });

  it('refuses a video whose frame is not stored, and leaves out (by name) one whose frames went since', () => {
    const { store, dir } = tempStore();
    const thread = store.createThread();
    const clip = video(store, 30);
    const missing = { ...clip, frames: [{ sha256: 'e'.repeat(64), seconds: 0 }] };
    store.saveDraft(thread.id, { text: 'kept', images: [], videos: [clip] });
    expect(() => store.saveDraft(thread.id, { text: 'new', images: [], videos: [missing] })).toThrow(/Image/);
    expect(store.getDraft(thread.id)?.videos).toHaveLength(1);

    const other = video(store, 40);
    store.saveDraft(thread.id, { text: 'kept', images: [], videos: [clip, other] });
    // A frame's row gone behind the store's back (nothing in the app deletes a drafted frame).
    const db = new Database(path.join(dir, 'tessera.db'));
    db.prepare('DELETE FROM images WHERE sha256 = ?').run(clip.frames[1]?.sha256);
    db.close();
    expect(store.getDraft(thread.id)).toMatchObject({
      text: 'kept',
      videos: [{ name: other.name }],
      droppedVideos: [clip.name],
    });
    store.close();
  });

  it('adds the videos column to drafts of the previous version, keeping them', () => {
    const dir = tempDir();
    const old = new Database(path.join(dir, 'tessera.db'));
    const before = MIGRATIONS.findIndex((m) => m.name === "drafts' videos");
    migrate(old, MIGRATIONS.slice(0, before));
    old.exec(`INSERT INTO threads (id, title, created_at, updated_at) VALUES ('t1', 'Old thread', 1, 2)`);
    old.exec(`INSERT INTO drafts (thread_id, text, images, updated_at) VALUES ('t1', 'old draft', '[]', 3)`);
    old.close();

    const store = openStore(dir);
    expect(store.getDraft('t1')).toEqual({
      text: 'old draft',
      images: [],
      videos: [],
      droppedVideos: [],
      updatedAt: 3,
    });
    store.close();
  });
});
