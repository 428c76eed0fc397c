/**
 * The `drafts` table (migration 5; its videos: migration 9): each thread's unsent question, so a reload or a crash
 * keeps it.
 */
import type Database from 'better-sqlite3';
import type { Draft, ImageRef, DraftVideo } from '../../app/ipc/contract.ts';

interface DraftRow {
  text: string;
  images: string;
  videos: string;
  updated_at: number;
}

/** The table's statements, prepared once at open. The caller checks the thread and the images. */
export class DraftTable {
  private readonly one;
  private readonly upsert;
  private readonly remove;

  constructor(db: Database.Database) {
    this.one = db.prepare<[string], DraftRow>(
      'SELECT text, images, videos, updated_at FROM drafts WHERE thread_id = ?',
    );
    this.upsert = db.prepare<[string, string, string, string, number]>(
      `INSERT INTO drafts (thread_id, text, images, videos, updated_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (thread_id) DO UPDATE
       SET text = excluded.text, images = excluded.images, videos = excluded.videos,
           updated_at = excluded.updated_at`,
    );
    this.remove = db.prepare<[string]>('DELETE FROM drafts WHERE thread_id = ?');
  }

  /** The draft as stored; `droppedVideos` is the store's to fill (it knows which frames are still there). */
  get(threadId: string): Draft | null {
    const row = this.one.get(threadId);
    if (!row) return null;
    return {
      text: row.text,
      images: JSON.parse(row.images) as ImageRef[],
      videos: JSON.parse(row.videos) as DraftVideo[],
      droppedVideos: [],
      updatedAt: row.updated_at,
    };
  }

  save(
    threadId: string,
    text: string,
    images: readonly ImageRef[],
    videos: readonly DraftVideo[],
    at: number,
  ): void {
    // Only the fields a draft keeps, whatever else the caller's objects carry.
    const kept = images.map(({ sha256, name, mime, width, height, detail }) => ({
      sha256,
      name,
      mime,
      width,
      height,
      detail,
    }));
    const keptVideos = videos.map(
      ({ name, source, sampling, start, durationSeconds, clipSeconds, frames }) => ({
        name,
        source: {
          size: { width: source.size.width, height: source.size.height },
          totalFrames: source.totalFrames,
          frameRate: source.frameRate,
        },
        sampling: {
          ...(sampling.fps === undefined ? {} : { fps: sampling.fps }),
          ...(sampling.maxFrames === undefined ? {} : { maxFrames: sampling.maxFrames }),
        },
        start,
        durationSeconds,
        clipSeconds,
        frames: frames.map(({ sha256, seconds }) => ({ sha256, seconds })),
      }),
    );
    this.upsert.run(threadId, text, JSON.stringify(kept), JSON.stringify(keptVideos), at);
  }

  delete(threadId: string): void {
    this.remove.run(threadId);
  }
}
