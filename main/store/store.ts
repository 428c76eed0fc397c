/**
 * The SQLite store behind `Store` (types.ts): one database file, `<dataDir>/tessera.db`, and
 * content-addressed image files under `<dataDir>/images/`.
 *
 * Durability: WAL with synchronous = NORMAL. Every commit is appended to the WAL before the call returns,
 * so a crash of the app (kill -9 included) loses nothing committed; only an OS crash or power cut can
 * roll back the last few commits, and never corrupts the file. FULL would add an fsync to every commit,
 * that is, to every streamed token.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { TokenConfidence } from '../../app/chat.ts';
import { TesseraError } from '../../app/errors.ts';
import { CONTEXT_OVERFLOW } from '../../app/ipc/contract.ts';
import type {
  ContextOverflow,
  Draft,
  DraftVideo,
  Message,
  Settings,
  Thread,
  ThreadDetail,
  ThreadSummary,
} from '../../app/ipc/contract.ts';
import { packConfidence, unpackConfidence } from './confidence.ts';
import { DownloadTable } from './downloads.ts';
import { DraftTable } from './drafts.ts';
import { notFound } from './errors.ts';
import { toJson, toMarkdown, type ExportImage } from './export.ts';
import { ImageFiles, isSha256, sha256Hex } from './images.ts';
import { firstText, foldedParts, isUntitled, titleFromText, toMessage, UNTITLED } from './messages.ts';
import type { MessageRow } from './messages.ts';
import { migrate } from './migrations.ts';
import { LIST_SQL, SEARCH_SQL, toFtsQuery } from './queries.ts';
import { LOCAL_KEYS, localSettingsFrom, mergeSettings, settingsFrom } from './settings.ts';
import type {
  DraftInput,
  LocalSettings,
  NewMessage,
  SettingsChanges,
  Store,
  StoredDownload,
  ThreadChanges,
} from './types.ts';

export { UNTITLED } from './messages.ts';

export interface StoreOptions {
  /** Clock for timestamps (ms since the epoch); tests pass their own. */
  now?: () => number;
  /** A better-sqlite3 binding built for another ABI (Electron's), instead of node_modules' own. */
  nativeBinding?: string;
}

export function openStore(dataDir: string, options: StoreOptions = {}): Store {
  fs.mkdirSync(dataDir, { recursive: true });
  const db = new Database(
    path.join(dataDir, 'tessera.db'),
    options.nativeBinding ? { nativeBinding: options.nativeBinding } : {},
  );
  try {
    // Pragmas first: journal_mode and foreign_keys cannot change inside the migration transaction.
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (mode !== 'wal')
      throw new Error(`Could not switch the database to WAL (journal mode: ${String(mode)})`);
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    migrate(db);
    return new SqliteStore(db, new ImageFiles(path.join(dataDir, 'images')), options.now ?? Date.now);
  } catch (error) {
    db.close();
    throw error;
  }
}

interface ThreadRow {
  id: string;
  title: string;
  created_at: number;
  updated_at: number;
  current_leaf_id: string | null;
  model_id: string | null;
  system_prompt: string | null;
  temperature: number | null;
  top_p: number | null;
  max_tokens: number | null;
  context_overflow: string | null;
  earlier_images_low: number;
  deleted_at: number | null;
}

interface ImageRow {
  sha256: string;
  name: string;
  mime: string;
  width: number;
  height: number;
  bytes: number;
}

const THREAD_COLUMNS =
  'id, title, created_at, updated_at, current_leaf_id, model_id, system_prompt, temperature, top_p, max_tokens, context_overflow, earlier_images_low, deleted_at';
const MESSAGE_COLUMNS = 'id, thread_id, parent_id, role, parts, tail, status, created_at, stats, error';

function toThread(row: ThreadRow): Thread {
  return {
    id: row.id,
    title: row.title,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    currentLeafId: row.current_leaf_id,
    modelId: row.model_id,
    systemPrompt: row.system_prompt,
    temperature: row.temperature,
    topP: row.top_p,
    maxTokens: row.max_tokens,
    contextOverflow: (CONTEXT_OVERFLOW as readonly string[]).includes(row.context_overflow ?? '')
      ? (row.context_overflow as ContextOverflow)
      : null,
    earlierImagesLow: row.earlier_images_low === 1,
  };
}

/** Every statement, prepared once at open. */
function prepare(db: Database.Database) {
  const s = <P extends unknown[] | object, R = unknown>(sql: string) => db.prepare<P, R>(sql);
  return {
    thread: s<[string], ThreadRow>(`SELECT ${THREAD_COLUMNS} FROM threads WHERE id = ?`),
    listThreads: s<[number], { id: string; title: string; updated_at: number }>(LIST_SQL),
    search: s<
      { query: string; limit: number },
      { id: string; title: string; updated_at: number; snippet: string | null }
    >(SEARCH_SQL),
    insertThread: s<[string, string, number, number]>(
      'INSERT INTO threads (id, title, created_at, updated_at) VALUES (?, ?, ?, ?)',
    ),
    renameThread: s<[string, string]>('UPDATE threads SET title = ? WHERE id = ?'),
    updateThread: s<{
      id: string;
      modelId: string | null;
      systemPrompt: string | null;
      temperature: number | null;
      topP: number | null;
      maxTokens: number | null;
      contextOverflow: string | null;
      earlierImagesLow: number;
    }>(
      `UPDATE threads SET model_id = @modelId, system_prompt = @systemPrompt, temperature = @temperature,
       top_p = @topP, max_tokens = @maxTokens, context_overflow = @contextOverflow,
       earlier_images_low = @earlierImagesLow WHERE id = @id`,
    ),
    setDeleted: s<[number | null, string]>('UPDATE threads SET deleted_at = ? WHERE id = ?'),
    setLeaf: s<[string, string]>('UPDATE threads SET current_leaf_id = ? WHERE id = ?'),
    afterAdd: s<[string, number, string, string]>(
      'UPDATE threads SET current_leaf_id = ?, updated_at = ?, title = ? WHERE id = ?',
    ),
    touch: s<[number, string]>('UPDATE threads SET updated_at = ? WHERE id = ?'),
    purgeMessages: s<[]>(
      'DELETE FROM messages WHERE thread_id IN (SELECT id FROM threads WHERE deleted_at IS NOT NULL)',
    ),
    purgeThreads: s<[]>('DELETE FROM threads WHERE deleted_at IS NOT NULL'),

    message: s<[string], MessageRow>(`SELECT ${MESSAGE_COLUMNS} FROM messages WHERE id = ?`),
    threadMessages: s<[string], MessageRow>(
      `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE thread_id = ? ORDER BY created_at, seq`,
    ),
    newestChild: s<[string], string>(
      'SELECT id FROM messages WHERE parent_id = ? ORDER BY created_at DESC, seq DESC LIMIT 1',
    ).pluck(),
    pathTo: s<[string], MessageRow>(
      `WITH RECURSIVE up(id, depth) AS (
         SELECT id, 0 FROM messages WHERE id = ?
         UNION ALL
         SELECT m.parent_id, up.depth + 1 FROM up JOIN messages m ON m.id = up.id WHERE m.parent_id IS NOT NULL
       )
       SELECT ${MESSAGE_COLUMNS.replace(/(\w+)/g, 'm.$1')} FROM up JOIN messages m ON m.id = up.id
       ORDER BY up.depth DESC`,
    ),
    insertMessage: s<[string, string, string | null, string, string, string, number]>(
      `INSERT INTO messages (id, thread_id, parent_id, role, parts, status, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ),
    // The per-token write: one indexed UPDATE that concatenates a string. No JSON is parsed, and the FTS
    // triggers (which watch `parts`) do not fire; finishMessage folds the tail into parts once.
    appendText: s<[string, string]>(
      `UPDATE messages SET tail = tail || ? WHERE id = ? AND status = 'streaming'`,
    ),
    finish: s<[string, string, string | null, string | null, string]>(
      `UPDATE messages SET parts = ?, tail = '', status = ?, stats = ?, error = ? WHERE id = ?`,
    ),
    setTokenIds: s<[Uint8Array, string]>('UPDATE messages SET token_ids = ? WHERE id = ?'),
    tokenIds: s<[string], Uint8Array | null>('SELECT token_ids FROM messages WHERE id = ?').pluck(),
    setConfidence: s<[string, string]>('UPDATE messages SET token_probs = ? WHERE id = ?'),
    confidence: s<[string], string | null>('SELECT token_probs FROM messages WHERE id = ?').pluck(),
    streaming: s<[], MessageRow>(`SELECT ${MESSAGE_COLUMNS} FROM messages WHERE status = 'streaming'`),

    imageExists: s<[string], number>('SELECT 1 FROM images WHERE sha256 = ?').pluck(),
    image: s<[string], ImageRow>(
      'SELECT sha256, name, mime, width, height, bytes FROM images WHERE sha256 = ?',
    ),
    // A message's parts (an image, or a video's frame) or a draft's images naming the image (instr first:
    // most rows are not read as JSON).
    imageReferenced: s<[string, string, string, string, string, string, string], number>(
      `SELECT 1 WHERE EXISTS (
         SELECT 1 FROM messages, json_each(messages.parts) AS part
         WHERE instr(messages.parts, ?) > 0 AND (
           json_extract(part.value, '$.image.sha256') = ?
           OR EXISTS (
             SELECT 1 FROM json_each(part.value, '$.video.frames') AS frame
             WHERE json_extract(frame.value, '$.sha256') = ?
           )
         )
       ) OR EXISTS (
         SELECT 1 FROM drafts, json_each(drafts.images) AS image
         WHERE instr(drafts.images, ?) > 0 AND json_extract(image.value, '$.sha256') = ?
       ) OR EXISTS (
         SELECT 1 FROM drafts, json_each(drafts.videos) AS video, json_each(video.value, '$.frames') AS frame
         WHERE instr(drafts.videos, ?) > 0 AND json_extract(frame.value, '$.sha256') = ?
       )`,
    ).pluck(),
    deleteImage: s<[string]>('DELETE FROM images WHERE sha256 = ?'),
    insertImage: s<[string, string, string, number, number, number, number]>(
      `INSERT OR IGNORE INTO images (sha256, name, mime, width, height, bytes, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ),

    settings: s<[], { key: string; value: string }>('SELECT key, value FROM settings'),
    putSetting: s<[string, string]>(
      'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    ),
  };
}

class SqliteStore implements Store {
  private readonly sql: ReturnType<typeof prepare>;
  private readonly downloads: DownloadTable;
  private readonly drafts: DraftTable;

  constructor(
    private readonly db: Database.Database,
    private readonly files: ImageFiles,
    private readonly now: () => number,
  ) {
    this.sql = prepare(db);
    this.downloads = new DownloadTable(db);
    this.drafts = new DraftTable(db);
  }

  private tx<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  /** A thread that is not soft-deleted, or NOT_FOUND. */
  private liveThread(id: string): ThreadRow {
    const row = this.sql.thread.get(id);
    if (!row || row.deleted_at !== null) throw notFound('Thread', id);
    return row;
  }

  private messageRow(id: string): MessageRow {
    const row = this.sql.message.get(id);
    if (!row) throw notFound('Message', id);
    return row;
  }

  private messageIn(threadId: string, messageId: string): MessageRow {
    const row = this.sql.message.get(messageId);
    if (!row || row.thread_id !== threadId) {
      throw new TesseraError('NOT_FOUND', `Message not found in thread ${threadId}: ${messageId}`);
    }
    return row;
  }

  // Threads -------------------------------------------------------------------------------------------

  listThreads(options: { query?: string; limit?: number } = {}): ThreadSummary[] {
    const limit = options.limit ?? -1; // -1: no limit
    const query = options.query?.trim();
    if (!query) {
      return this.sql.listThreads
        .all(limit)
        .map((r) => ({ id: r.id, title: r.title, updatedAt: r.updated_at, snippet: null }));
    }
    const fts = toFtsQuery(query);
    if (fts === null) return [];
    return this.sql.search
      .all({ query: fts, limit })
      .map((r) => ({ id: r.id, title: r.title, updatedAt: r.updated_at, snippet: r.snippet }));
  }

  createThread(title?: string): Thread {
    const id = randomUUID();
    const at = this.now();
    this.sql.insertThread.run(id, title?.trim() || UNTITLED, at, at);
    return toThread(this.liveThread(id));
  }

  getThread(id: string): ThreadDetail | null {
    return this.tx(() => {
      const row = this.sql.thread.get(id);
      if (!row || row.deleted_at !== null) return null;
      return { thread: toThread(row), messages: this.sql.threadMessages.all(id).map(toMessage) };
    });
  }

  renameThread(id: string, title: string): Thread {
    return this.tx(() => {
      this.liveThread(id);
      this.sql.renameThread.run(title.trim() || UNTITLED, id);
      return toThread(this.liveThread(id));
    });
  }

  updateThread(id: string, changes: ThreadChanges): Thread {
    return this.tx(() => {
      const row = this.liveThread(id);
      this.sql.updateThread.run({
        id,
        modelId: changes.modelId === undefined ? row.model_id : changes.modelId,
        systemPrompt: changes.systemPrompt === undefined ? row.system_prompt : changes.systemPrompt,
        temperature: changes.temperature === undefined ? row.temperature : changes.temperature,
        topP: changes.topP === undefined ? row.top_p : changes.topP,
        maxTokens: changes.maxTokens === undefined ? row.max_tokens : changes.maxTokens,
        contextOverflow:
          changes.contextOverflow === undefined ? row.context_overflow : changes.contextOverflow,
        earlierImagesLow:
          changes.earlierImagesLow === undefined ? row.earlier_images_low : changes.earlierImagesLow ? 1 : 0,
      });
      return toThread(this.liveThread(id));
    });
  }

  deleteThread(id: string): void {
    this.tx(() => {
      const row = this.sql.thread.get(id);
      if (!row) throw notFound('Thread', id);
      if (row.deleted_at === null) this.sql.setDeleted.run(this.now(), id);
    });
  }

  restoreThread(id: string): Thread {
    return this.tx(() => {
      if (!this.sql.thread.get(id)) throw notFound('Thread', id);
      this.sql.setDeleted.run(null, id);
      return toThread(this.liveThread(id));
    });
  }

  purgeDeleted(): void {
    this.tx(() => {
      // Messages first, in one statement: their parent links (and the threads' leaf links) then never
      // point at a row already gone when the statement ends.
      this.sql.purgeMessages.run();
      this.sql.purgeThreads.run();
    });
  }

  setCurrentLeaf(threadId: string, messageId: string): Thread {
    return this.tx(() => {
      this.liveThread(threadId);
      this.messageIn(threadId, messageId);
      // Down from the chosen message to its newest leaf: the newest version at every level below it.
      let leaf = messageId;
      let child: string | undefined;
      while ((child = this.sql.newestChild.get(leaf)) !== undefined) leaf = child;
      this.sql.setLeaf.run(leaf, threadId);
      return toThread(this.liveThread(threadId));
    });
  }

  // Messages ------------------------------------------------------------------------------------------

  addMessage(message: NewMessage): Message {
    return this.tx(() => {
      const thread = this.liveThread(message.threadId);
      if (message.parentId !== null) this.messageIn(message.threadId, message.parentId);
      for (const part of message.parts) {
        if (part.type === 'image' && this.sql.imageExists.get(part.image.sha256) === undefined) {
          throw notFound('Image', part.image.sha256);
        }
      }
      const id = randomUUID();
      const at = this.now();
      this.sql.insertMessage.run(
        id,
        message.threadId,
        message.parentId,
        message.role,
        JSON.stringify(message.parts),
        message.status,
        at,
      );
      const text = message.role === 'user' ? firstText(message.parts) : null;
      const title = text !== null && isUntitled(thread.title) ? titleFromText(text) : thread.title;
      this.sql.afterAdd.run(id, at, title, message.threadId);
      return toMessage(this.messageRow(id));
    });
  }

  getMessage(id: string): Message | null {
    const row = this.sql.message.get(id);
    return row ? toMessage(row) : null;
  }

  pathTo(messageId: string): Message[] {
    const rows = this.sql.pathTo.all(messageId);
    if (rows.length === 0) throw notFound('Message', messageId);
    return rows.map(toMessage);
  }

  appendText(messageId: string, text: string): void {
    if (text === '') return;
    if (this.sql.appendText.run(text, messageId).changes === 1) return;
    const row = this.messageRow(messageId);
    throw new TesseraError('CONFLICT', `Message ${messageId} is not streaming (status: ${row.status})`);
  }

  finishMessage(messageId: string, result: Parameters<Store['finishMessage']>[1]): Message {
    return this.tx(() => {
      const row = this.messageRow(messageId);
      this.sql.finish.run(
        foldedParts(row),
        result.status,
        result.stats ? JSON.stringify(result.stats) : null,
        result.error ? JSON.stringify(result.error) : null,
        messageId,
      );
      if (result.tokenIds?.length) this.sql.setTokenIds.run(packTokenIds(result.tokenIds), messageId);
      if (result.confidence?.length) this.sql.setConfidence.run(packConfidence(result.confidence), messageId);
      this.sql.touch.run(this.now(), row.thread_id);
      return toMessage(this.messageRow(messageId));
    });
  }

  tokenIdsOf(messageId: string): number[] | null {
    const blob = this.sql.tokenIds.get(messageId);
    return blob ? unpackTokenIds(blob) : null;
  }

  confidenceOf(messageId: string): TokenConfidence[] | null {
    const json = this.sql.confidence.get(messageId);
    return json ? unpackConfidence(json) : null;
  }

  markInterrupted(): number {
    return this.tx(() => {
      const rows = this.sql.streaming.all();
      for (const row of rows) {
        this.sql.finish.run(foldedParts(row), 'interrupted', row.stats, row.error, row.id);
      }
      return rows.length;
    });
  }

  // Images --------------------------------------------------------------------------------------------

  putImage(bytes: Uint8Array, meta: { name: string; mime: string; width: number; height: number }) {
    const sha256 = sha256Hex(bytes);
    // File first: a committed row must never point at a file that is not there.
    this.files.write(sha256, bytes);
    this.sql.insertImage.run(
      sha256,
      meta.name,
      meta.mime,
      meta.width,
      meta.height,
      bytes.byteLength,
      this.now(),
    );
    return { sha256 };
  }

  getImageBytes(sha256: string): Uint8Array | null {
    return this.files.read(sha256);
  }

  discardImage(sha256: string): void {
    this.tx(() => {
      if (!isSha256(sha256) || this.sql.imageExists.get(sha256) === undefined)
        throw notFound('Image', sha256);
      if (this.sql.imageReferenced.get(sha256, sha256, sha256, sha256, sha256, sha256, sha256) !== undefined)
        throw new TesseraError(
          'CONFLICT',
          'This image is part of a message or a draft, so it stays stored; only an image nothing refers to can be discarded.',
        );
      this.sql.deleteImage.run(sha256);
    });
    // Row first, then the file: a row must never point at a file that is not there.
    this.files.remove(sha256);
  }

  getImageMeta(sha256: string) {
    if (!isSha256(sha256)) return null;
    const row = this.sql.image.get(sha256);
    if (!row) return null;
    return { sha256: row.sha256, name: row.name, mime: row.mime, width: row.width, height: row.height };
  }

  // Drafts --------------------------------------------------------------------------------------------

  getDraft(threadId: string): Draft | null {
    const draft = this.drafts.get(threadId);
    if (!draft) return null;
    // A video whose frames are not all stored any more cannot be sent: it is left out, by name.
    const stored = (video: DraftVideo) =>
      video.frames.every((f) => this.sql.imageExists.get(f.sha256) !== undefined);
    return {
      ...draft,
      videos: draft.videos.filter(stored),
      droppedVideos: draft.videos.filter((v) => !stored(v)).map((v) => v.name),
    };
  }

  saveDraft(threadId: string, draft: DraftInput): Draft | null {
    return this.tx(() => {
      this.liveThread(threadId);
      const videos = draft.videos ?? [];
      if (draft.text === '' && draft.images.length === 0 && videos.length === 0) {
        this.drafts.delete(threadId);
        return null;
      }
      const frames = videos.flatMap((video) => video.frames);
      for (const { sha256 } of [...draft.images, ...frames]) {
        if (this.sql.imageExists.get(sha256) === undefined) throw notFound('Image', sha256);
      }
      this.drafts.save(threadId, draft.text, draft.images, videos, this.now());
      return this.getDraft(threadId);
    });
  }

  clearDraft(threadId: string): void {
    this.drafts.delete(threadId);
  }

  // Settings ------------------------------------------------------------------------------------------

  getSettings(): Settings {
    return settingsFrom(this.storedValues());
  }

  updateSettings(changes: SettingsChanges): Settings {
    return this.tx(() => {
      const next = mergeSettings(this.getSettings(), changes);
      for (const key of Object.keys(next) as (keyof Settings)[]) {
        if (changes[key] !== undefined) this.sql.putSetting.run(key, JSON.stringify(next[key]));
      }
      return next;
    });
  }

  private storedValues(): Map<string, unknown> {
    return new Map(this.sql.settings.all().map((r) => [r.key, JSON.parse(r.value) as unknown]));
  }

  getLocalSettings(): LocalSettings {
    return localSettingsFrom(this.storedValues());
  }

  updateLocalSettings(changes: Partial<LocalSettings>): LocalSettings {
    return this.tx(() => {
      for (const key of Object.keys(LOCAL_KEYS) as (keyof LocalSettings)[]) {
        const value = changes[key];
        if (value !== undefined) this.sql.putSetting.run(LOCAL_KEYS[key], JSON.stringify(value));
      }
      return this.getLocalSettings();
    });
  }

  // Downloads -----------------------------------------------------------------------------------------

  listDownloads(): StoredDownload[] {
    return this.downloads.list();
  }

  saveDownload(download: StoredDownload): void {
    this.downloads.save(download);
  }

  deleteDownload(id: string): void {
    this.downloads.delete(id);
  }

  // Export --------------------------------------------------------------------------------------------

  private exportImage = (sha256: string): ExportImage | null => {
    const row = this.sql.image.get(sha256);
    if (!row) return null;
    const { bytes, ...meta } = row;
    return { meta: { ...meta, bytes }, data: this.files.read(sha256) };
  };

  exportMarkdown(threadId: string): { filename: string; content: string } {
    const thread = toThread(this.liveThread(threadId));
    const branch = thread.currentLeafId ? this.pathTo(thread.currentLeafId) : [];
    return toMarkdown(thread, branch, this.exportImage);
  }

  exportJson(threadId: string): { filename: string; content: string } {
    const detail = this.getThread(threadId);
    if (!detail) throw notFound('Thread', threadId);
    return toJson(detail.thread, detail.messages, this.exportImage, this.now(), (id) =>
      this.confidenceOf(id),
    );
  }

  close(): void {
    this.db.close();
  }
}

/** Token ids as uint32 little-endian: 4 bytes each, a quarter of the JSON for typical ids. */
function packTokenIds(ids: readonly number[]): Uint8Array {
  const out = new Uint8Array(ids.length * 4);
  const view = new DataView(out.buffer);
  ids.forEach((id, i) => view.setUint32(i * 4, id, true));
  return out;
}

function unpackTokenIds(blob: Uint8Array): number[] {
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  return Array.from({ length: Math.floor(blob.byteLength / 4) }, (_, i) => view.getUint32(i * 4, true));
}
