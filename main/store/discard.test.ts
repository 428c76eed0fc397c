/**
 * Discarding an image (the original of an attachment redacted before it was sent): its row and its file go,
 * and an image a message or a draft refers to is refused, so nothing is left pointing at a missing file.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { ImageRef } from '../../app/ipc/contract.ts';
import { tempStore } from './testing/temp.ts';
import type { Store } from './types.ts';

function image(store: Store, seed: number): ImageRef {
  const meta = { name: `shot-${seed}.png`, mime: 'image/png', width: 640, height: 480 };
  const { sha256 } = store.putImage(new Uint8Array([137, 80, 78, 71, seed]), meta);
  return { sha256, ...meta, detail: 'high' };
}

/** The images table as the file on disk holds it, read by another connection. */
function rowsIn(dir: string, sha256: string): number {
  const db = new Database(path.join(dir, 'tessera.db'), { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM images WHERE sha256 = ?').get(sha256) as { n: number }).n;
  } finally {
    db.close();
  }
}

describe('discardImage', () => {
  it('deletes an unreferenced image: row and file', () => {
    const { store, dir } = tempStore();
    const original = image(store, 1);
    const kept = image(store, 2);
    expect(rowsIn(dir, original.sha256)).toBe(1);
    store.discardImage(original.sha256);
    expect(store.getImageMeta(original.sha256)).toBeNull();
    expect(store.getImageBytes(original.sha256)).toBeNull();
    expect(fs.existsSync(path.join(dir, 'images', original.sha256))).toBe(false);
    expect(rowsIn(dir, original.sha256)).toBe(0);
    // Only that one.
    expect(store.getImageBytes(kept.sha256)).not.toBeNull();
    // Gone is gone: a second discard is NOT_FOUND, as is a string that is not a hash.
    expect(() => store.discardImage(original.sha256)).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
    expect(() => store.discardImage('../tessera.db')).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
  });

  it('refuses an image a message refers to, even in a deleted thread', () => {
    const { store, dir } = tempStore();
    const sent = image(store, 3);
    const thread = store.createThread('Sent');
    store.addMessage({
      threadId: thread.id,
      parentId: null,
      role: 'user',
      parts: [
        { type: 'image', image: sent },
        { type: 'text', text: 'What is this?' },
      ],
      status: 'complete',
    });
    store.deleteThread(thread.id);
    expect(() => store.discardImage(sent.sha256)).toThrow(expect.objectContaining({ code: 'CONFLICT' }));
    expect(store.getImageBytes(sent.sha256)).not.toBeNull();
    expect(rowsIn(dir, sent.sha256)).toBe(1);
  });

  it("refuses a video's frame a message refers to", () => {
    const { store, dir } = tempStore();
    const frame = image(store, 5);
    const thread = store.createThread('Clip');
    store.addMessage({
      threadId: thread.id,
      parentId: null,
      role: 'user',
      parts: [
        {
          type: 'video',
          video: {
            name: 'bug.webm',
            source: { size: { width: 64, height: 48 }, totalFrames: 60, frameRate: 30 },
            sampling: {},
            start: 0,
            durationSeconds: 2,
            frames: [{ sha256: frame.sha256, seconds: 0 }],
          },
        },
      ],
      status: 'complete',
    });
    expect(() => store.discardImage(frame.sha256)).toThrow(expect.objectContaining({ code: 'CONFLICT' }));
    expect(rowsIn(dir, frame.sha256)).toBe(1);
  });

  it('refuses an image a draft holds, and discards it once the draft lets it go', () => {
    const { store, dir } = tempStore();
    const drafted = image(store, 4);
    const other = image(store, 5);
    const thread = store.createThread('Draft');
    store.saveDraft(thread.id, { text: 'Later', images: [drafted] });
    expect(() => store.discardImage(drafted.sha256)).toThrow(expect.objectContaining({ code: 'CONFLICT' }));
    // The redaction replaced it in the draft: now nothing holds it.
    store.saveDraft(thread.id, { text: 'Later', images: [other] });
    store.discardImage(drafted.sha256);
    expect(rowsIn(dir, drafted.sha256)).toBe(0);
    expect(store.getDraft(thread.id)?.images.map((i) => i.sha256)).toEqual([other.sha256]);
  });

  it('discards an image whose hash appears only in text: image parts alone refer to images', () => {
    const { store } = tempStore();
    const lone = image(store, 6);
    const thread = store.createThread('Text');
    store.addMessage({
      threadId: thread.id,
      parentId: null,
      role: 'user',
      parts: [{ type: 'text', text: `the hash ${lone.sha256} typed as text` }],
      status: 'complete',
    });
    store.discardImage(lone.sha256);
    expect(store.getImageMeta(lone.sha256)).toBeNull();
  });
});
