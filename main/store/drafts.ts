/** The `drafts` table (migration 5): each thread's unsent question, so a reload or a crash keeps it. */
import type Database from 'better-sqlite3';
import type { Draft, ImageRef } from '../../app/ipc/contract.ts';

interface DraftRow {
  text: string;
  images: string;
  updated_at: number;
}

/** The table's statements, prepared once at open. The caller checks the thread and the images. */
export class DraftTable {
  private readonly one;
  private readonly upsert;
  private readonly remove;

  constructor(db: Database.Database) {
    this.one = db.prepare<[string], DraftRow>(
      'SELECT text, images, updated_at FROM drafts WHERE thread_id = ?',
    );
    this.upsert = db.prepare<[string, string, string, number]>(
      `INSERT INTO drafts (thread_id, text, images, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (thread_id) DO UPDATE
       SET text = excluded.text, images = excluded.images, updated_at = excluded.updated_at`,
    );
    this.remove = db.prepare<[string]>('DELETE FROM drafts WHERE thread_id = ?');
  }

  get(threadId: string): Draft | null {
    const row = this.one.get(threadId);
    if (!row) return null;
    return { text: row.text, images: JSON.parse(row.images) as ImageRef[], updatedAt: row.updated_at };
  }

  save(threadId: string, text: string, images: readonly ImageRef[], at: number): void {
    // Only the fields a draft keeps, whatever else the caller's objects carry.
    const kept = images.map(({ sha256, name, mime, width, height, detail }) => ({
      sha256,
      name,
      mime,
      width,
      height,
      detail,
    }));
    this.upsert.run(threadId, text, JSON.stringify(kept), at);
  }

  delete(threadId: string): void {
    this.remove.run(threadId);
  }
}
