/**
 * Schema migrations. The database's `user_version` pragma is the number of migrations applied; at open,
 * the pending ones run in order inside one transaction, so a failed upgrade leaves the old schema intact.
 * Never edit a shipped migration: append a new one.
 */
import type Database from 'better-sqlite3';

export interface Migration {
  /** What it does, for error messages. */
  name: string;
  up(db: Database.Database): void;
}

/** A message's searchable text: its text parts, one per line. Pure SQL, so triggers work in any client. */
const messageText = (parts: string) => `(SELECT coalesce(group_concat(p.value ->> '$.text', char(10)), '')
    FROM json_each(${parts}) AS p WHERE p.value ->> '$.type' = 'text')`;

export const MIGRATIONS: readonly Migration[] = [
  {
    name: 'threads, messages, images, settings',
    up: (db) =>
      db.exec(`
        -- seq: explicit integer keys, because FTS rows point at them and VACUUM may renumber implicit rowids.
        CREATE TABLE threads (
          seq INTEGER PRIMARY KEY,
          id TEXT NOT NULL UNIQUE,
          title TEXT NOT NULL,
          created_at INTEGER NOT NULL,
          updated_at INTEGER NOT NULL,
          current_leaf_id TEXT REFERENCES messages(id) ON DELETE SET NULL,
          model_id TEXT,
          system_prompt TEXT,
          temperature REAL,
          deleted_at INTEGER
        );
        -- The thread list: visible threads, most recent first, straight off the index.
        CREATE INDEX threads_recent ON threads(updated_at) WHERE deleted_at IS NULL;
        CREATE INDEX threads_leaf ON threads(current_leaf_id);

        CREATE TABLE messages (
          seq INTEGER PRIMARY KEY,
          id TEXT NOT NULL UNIQUE,
          thread_id TEXT NOT NULL REFERENCES threads(id) ON DELETE CASCADE,
          parent_id TEXT REFERENCES messages(id),
          role TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
          parts TEXT NOT NULL CHECK (json_valid(parts)),
          -- Text streamed since the last fold into parts (see appendText in store.ts).
          tail TEXT NOT NULL DEFAULT '',
          status TEXT NOT NULL
            CHECK (status IN ('complete', 'streaming', 'stopped', 'interrupted', 'failed')),
          created_at INTEGER NOT NULL,
          stats TEXT CHECK (stats IS NULL OR json_valid(stats)),
          error TEXT CHECK (error IS NULL OR json_valid(error))
        );
        CREATE INDEX messages_thread ON messages(thread_id, created_at);
        CREATE INDEX messages_children ON messages(parent_id, created_at);
        CREATE INDEX messages_streaming ON messages(status) WHERE status = 'streaming';

        CREATE TABLE images (
          sha256 TEXT PRIMARY KEY,
          name TEXT NOT NULL,
          mime TEXT NOT NULL,
          width INTEGER NOT NULL,
          height INTEGER NOT NULL,
          bytes INTEGER NOT NULL,
          created_at INTEGER NOT NULL
        );

        CREATE TABLE settings (
          key TEXT PRIMARY KEY,
          value TEXT NOT NULL CHECK (json_valid(value))
        );
      `),
  },
  {
    name: 'full-text search over messages and thread titles',
    up: (db) =>
      db.exec(`
        -- Content-storing FTS tables (snippet() needs the text); rowid = seq of the source row.
        CREATE VIRTUAL TABLE message_fts USING fts5(body, tokenize = 'unicode61 remove_diacritics 2');
        CREATE VIRTUAL TABLE thread_fts USING fts5(title, tokenize = 'unicode61 remove_diacritics 2');

        -- Triggers keep the index in the same transaction as the write. Streamed text lives in
        -- messages.tail, which no trigger watches, so appendText never touches the index.
        CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
          INSERT INTO message_fts(rowid, body) VALUES (new.seq, ${messageText('new.parts')});
        END;
        CREATE TRIGGER messages_fts_update AFTER UPDATE OF parts ON messages BEGIN
          DELETE FROM message_fts WHERE rowid = old.seq;
          INSERT INTO message_fts(rowid, body) VALUES (new.seq, ${messageText('new.parts')});
        END;
        CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
          DELETE FROM message_fts WHERE rowid = old.seq;
        END;
        CREATE TRIGGER threads_fts_insert AFTER INSERT ON threads BEGIN
          INSERT INTO thread_fts(rowid, title) VALUES (new.seq, new.title);
        END;
        CREATE TRIGGER threads_fts_update AFTER UPDATE OF title ON threads BEGIN
          DELETE FROM thread_fts WHERE rowid = old.seq;
          INSERT INTO thread_fts(rowid, title) VALUES (new.seq, new.title);
        END;
        CREATE TRIGGER threads_fts_delete AFTER DELETE ON threads BEGIN
          DELETE FROM thread_fts WHERE rowid = old.seq;
        END;

        -- Index what a version-1 database already holds.
        INSERT INTO message_fts(rowid, body) SELECT seq, ${messageText('parts')} FROM messages;
        INSERT INTO thread_fts(rowid, title) SELECT seq, title FROM threads;
      `),
  },
  {
    name: 'model downloads',
    up: (db) =>
      db.exec(`
        -- One row per model download; live figures (speed, ETA) are never stored.
        CREATE TABLE downloads (
          seq INTEGER PRIMARY KEY,
          id TEXT NOT NULL UNIQUE,
          repo TEXT NOT NULL,
          revision TEXT NOT NULL,
          -- What the user asked for (NULL: the default), and what the plan chose ('' until known).
          requested_variant TEXT,
          variant TEXT NOT NULL,
          commit_sha TEXT,
          state TEXT NOT NULL
            CHECK (state IN ('queued', 'downloading', 'paused', 'failed', 'done', 'cancelled')),
          bytes INTEGER NOT NULL,
          total INTEGER NOT NULL,
          files TEXT NOT NULL CHECK (json_valid(files)),
          error TEXT CHECK (error IS NULL OR json_valid(error)),
          model_id TEXT,
          created_at INTEGER NOT NULL,
          updated_at INTEGER NOT NULL
        );
      `),
  },
  {
    name: "answers' own token ids",
    up: (db) =>
      db.exec(`
        -- The ids the model generated for an answer (uint32, little-endian), sent back with the answer so the
        -- next turn's prompt holds them instead of the text tokenized again. NULL: none recorded.
        ALTER TABLE messages ADD COLUMN token_ids BLOB;
      `),
  },
  {
    name: 'drafts',
    up: (db) =>
      db.exec(`
        -- A thread's unsent question. Soft delete leaves it (undo brings it back); purging the thread
        -- removes it. images: [{sha256, name, mime, width, height, detail}], rows of the images table.
        CREATE TABLE drafts (
          thread_id TEXT PRIMARY KEY REFERENCES threads(id) ON DELETE CASCADE,
          text TEXT NOT NULL,
          images TEXT NOT NULL CHECK (json_valid(images)),
          updated_at INTEGER NOT NULL
        );
      `),
  },
  {
    name: 'per-thread top-p, answer length and context overflow',
    up: (db) =>
      db.exec(`
        -- NULL: the settings' default, as for temperature.
        ALTER TABLE threads ADD COLUMN top_p REAL;
        ALTER TABLE threads ADD COLUMN max_tokens INTEGER;
        ALTER TABLE threads ADD COLUMN context_overflow TEXT;
      `),
  },
  {
    name: 'per-thread choice to send earlier images at low detail',
    up: (db) =>
      db.exec(`
        -- 1: images before the newest question go to the model at Low detail (their stored detail stays).
        ALTER TABLE threads ADD COLUMN earlier_images_low INTEGER NOT NULL DEFAULT 0;
      `),
  },
  {
    name: "answers' token probabilities",
    up: (db) =>
      db.exec(`
        -- Each generated token's probability and its likeliest alternatives (main/store/confidence.ts: compact
        -- JSON [[text, p, [[alternative, p], ...]], ...]), for confidence shading. NULL: none recorded.
        ALTER TABLE messages ADD COLUMN token_probs TEXT CHECK (token_probs IS NULL OR json_valid(token_probs));
      `),
  },
  {
    name: "drafts' videos",
    up: (db) =>
      db.exec(`
        -- The composer's videos: [{name, source, sampling, start, durationSeconds, clipSeconds, frames: [{sha256,
        -- seconds}]}], a message's video parts and the clip's length; the frames are rows of the images table.
        ALTER TABLE drafts ADD COLUMN videos TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(videos));
      `),
  },
];

/**
 * Brings `db` up to `migrations.length`. Throws (changing nothing) when a migration fails or when the
 * database comes from a newer app version, whose schema this code cannot know.
 */
export function migrate(db: Database.Database, migrations: readonly Migration[] = MIGRATIONS): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > migrations.length) {
    throw new Error(
      `The database has schema version ${current}, newer than this app knows (${migrations.length}). ` +
        'Update Tessera to open it.',
    );
  }
  if (current === migrations.length) return current;
  db.transaction(() => {
    for (let version = current + 1; version <= migrations.length; version++) {
      const migration = migrations[version - 1];
      if (!migration) throw new Error(`Missing migration ${version}`);
      try {
        migration.up(db);
      } catch (cause) {
        throw new Error(`Migration ${version} (${migration.name}) failed: ${String(cause)}`, { cause });
      }
      // user_version lives in the database header, so it commits or rolls back with the migration.
      db.pragma(`user_version = ${version}`);
    }
  })();
  return migrations.length;
}
