/** The thread list and full-text search: their SQL, and user input turned into a safe FTS5 query. */

/** Visible threads, most recent first: walks the partial index threads_recent backwards (no sort step);
 * seq breaks ties within a millisecond. */
export const LIST_SQL = `
  SELECT id, title, updated_at FROM threads WHERE deleted_at IS NULL
  ORDER BY updated_at DESC, seq DESC LIMIT ?`;

/**
 * Each word becomes a quoted phrase (so `"`, `*`, `-`, `:`, `AND`, `NEAR(` … are just text) and the last
 * one a prefix, for search-as-you-type; the words must all match. Words without a letter or digit would
 * be empty phrases and are dropped. Returns null when nothing searchable is left.
 */
export function toFtsQuery(input: string): string | null {
  const words = input
    .split(/\s+/)
    .filter((word) => /[\p{L}\p{N}]/u.test(word))
    .map((word) => `"${word.replaceAll('"', '""')}"`);
  if (words.length === 0) return null;
  return `${words.join(' ')}*`;
}

/**
 * Visible threads matching the query, most recent first. The snippet comes from the thread's newest
 * matching message; a thread matched only by its title has none (its title is the excerpt).
 */
export const SEARCH_SQL = `
  WITH message_hits AS MATERIALIZED (
    -- snippet() only works in the FTS query itself, so ranking happens in a second step.
    SELECT m.thread_id, m.created_at, m.seq, snippet(message_fts, 0, '', '', '…', 12) AS snippet
    FROM message_fts JOIN messages m ON m.seq = message_fts.rowid
    WHERE message_fts MATCH @query
  ),
  newest_hits AS (
    SELECT thread_id, snippet,
           row_number() OVER (PARTITION BY thread_id ORDER BY created_at DESC, seq DESC) AS rank
    FROM message_hits
  ),
  title_hits AS MATERIALIZED (
    SELECT t.id AS thread_id FROM thread_fts JOIN threads t ON t.seq = thread_fts.rowid
    WHERE thread_fts MATCH @query
  )
  SELECT t.id, t.title, t.updated_at, h.snippet
  FROM threads t LEFT JOIN newest_hits h ON h.thread_id = t.id AND h.rank = 1
  WHERE t.deleted_at IS NULL
    AND (h.thread_id IS NOT NULL OR t.id IN (SELECT thread_id FROM title_hits))
  ORDER BY t.updated_at DESC, t.seq DESC
  LIMIT @limit`;
