/** The `downloads` table (migration 3): model downloads kept across restarts, so they can resume. */
import type Database from 'better-sqlite3';
import type { DownloadFile, DownloadState, WireError } from '../../app/ipc/contract.ts';
import type { StoredDownload } from './types.ts';

interface DownloadRow {
  id: string;
  repo: string;
  revision: string;
  requested_variant: string | null;
  variant: string;
  commit_sha: string | null;
  state: DownloadState;
  bytes: number;
  total: number;
  files: string;
  error: string | null;
  model_id: string | null;
  created_at: number;
  updated_at: number;
}

const COLUMNS =
  'id, repo, revision, requested_variant, variant, commit_sha, state, bytes, total, files, error, model_id, ' +
  'created_at, updated_at';

function toDownload(row: DownloadRow): StoredDownload {
  return {
    id: row.id,
    repo: row.repo,
    revision: row.revision,
    requestedVariant: row.requested_variant,
    variant: row.variant,
    commit: row.commit_sha,
    state: row.state,
    bytes: row.bytes,
    total: row.total,
    files: JSON.parse(row.files) as DownloadFile[],
    error: row.error === null ? null : (JSON.parse(row.error) as WireError),
    modelId: row.model_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toRow(download: StoredDownload): DownloadRow {
  return {
    id: download.id,
    repo: download.repo,
    revision: download.revision,
    requested_variant: download.requestedVariant,
    variant: download.variant,
    commit_sha: download.commit,
    state: download.state,
    bytes: download.bytes,
    total: download.total,
    files: JSON.stringify(download.files),
    error: download.error === null ? null : JSON.stringify(download.error),
    model_id: download.modelId,
    created_at: download.createdAt,
    updated_at: download.updatedAt,
  };
}

/** The table's statements, prepared once at open. */
export class DownloadTable {
  private readonly all;
  private readonly upsert;
  private readonly remove;

  constructor(db: Database.Database) {
    this.all = db.prepare<[], DownloadRow>(`SELECT ${COLUMNS} FROM downloads ORDER BY created_at, seq`);
    this.upsert = db.prepare<DownloadRow>(
      `INSERT INTO downloads (${COLUMNS}) VALUES (${COLUMNS.split(', ')
        .map((c) => `@${c}`)
        .join(', ')})
       ON CONFLICT (id) DO UPDATE SET ${COLUMNS.split(', ')
         .filter((c) => c !== 'id' && c !== 'created_at')
         .map((c) => `${c} = excluded.${c}`)
         .join(', ')}`,
    );
    this.remove = db.prepare<[string]>('DELETE FROM downloads WHERE id = ?');
  }

  list(): StoredDownload[] {
    return this.all.all().map(toDownload);
  }

  save(download: StoredDownload): void {
    this.upsert.run(toRow(download));
  }

  delete(id: string): void {
    this.remove.run(id);
  }
}
