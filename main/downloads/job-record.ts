/**
 * A download job as the manager tracks it (the stored record plus its current run), how the record follows
 * a run's plan, progress and failure, and the job as `downloads.*` shows it.
 */
import { type ErrorCode, hasCode } from '../../app/errors.ts';
import type { DownloadFile, DownloadJob, DownloadState, WireError } from '../../app/ipc/contract.ts';
import type { StoredDownload } from '../store/types.ts';
import { RateMeter } from './rate-meter.ts';

export interface Live {
  job: StoredDownload;
  controller: AbortController | null;
  /** The current transfer, settled (never rejects) when it has stopped touching files. */
  running: Promise<void> | null;
  /** Speed and ETA of the current run. */
  meter: RateMeter;
  lastEmit: number;
  lastSave: number;
  timer: NodeJS.Timeout | null;
}

export interface Progress {
  bytes: number;
  total: number;
  perFile: { path: string; bytes: number; total: number; done: boolean }[];
}

export const ACTIVE: ReadonlySet<DownloadState> = new Set(['queued', 'downloading', 'paused']);
export const FINISHED: ReadonlySet<DownloadState> = new Set(['done', 'failed', 'cancelled']);

export function newLive(job: StoredDownload, speedWindowMs: number): Live {
  return {
    job,
    controller: null,
    running: null,
    meter: new RateMeter(speedWindowMs),
    lastEmit: 0,
    lastSave: 0,
    timer: null,
  };
}

/** The plan is known: its commit, variant and files (with what is on disk already). */
export function applyPlan(
  job: StoredDownload,
  plan: { commit: string; variant: string; files: { size: number }[] },
  files: DownloadFile[],
): void {
  job.commit = plan.commit;
  job.variant = plan.variant;
  job.files = files;
  job.total = plan.files.reduce((sum, f) => sum + f.size, 0);
  job.bytes = files.reduce((sum, f) => sum + f.bytes, 0);
}

export function applyProgress(live: Live, progress: Progress, now: number): void {
  const { job } = live;
  for (const file of progress.perFile) live.meter.count(file.path, file.bytes);
  job.bytes = progress.bytes;
  job.total = progress.total;
  job.updatedAt = now;
  job.files = progress.perFile.map(({ path, bytes, total, done }) => ({ path, bytes, total, done }));
}

/** Every file downloaded: the job's bytes are its total. */
export function applyDone(job: StoredDownload): void {
  job.bytes = job.total;
  job.files = job.files.map((f) => ({ ...f, bytes: f.total, done: true }));
}

/** The job as the API shows it: a copy, without the requested variant, with speed and ETA. */
export function jobView(live: Live): DownloadJob {
  const { requestedVariant: _requested, ...job } = live.job;
  return {
    ...job,
    files: job.files.map((f) => ({ ...f })),
    error: job.error ? { ...job.error } : null,
    bytesPerSecond: Math.round(live.meter.bytesPerSecond),
    etaSeconds: live.meter.etaSeconds,
  };
}

/**
 * Failures whose messages already say what went wrong (space, the Hub, the repo's layout): a job shows them
 * as they are. Any other failure (other codes, the network, the disk) is DOWNLOAD_FAILED, "resume to retry".
 */
const SHOWN_AS_IS: readonly ErrorCode[] = ['DISK_FULL', 'HUB_ERROR', 'MODEL_UNSUPPORTED'];

/** A failure as the job stores and shows it. */
export function failure(error: unknown): WireError {
  const message = error instanceof Error ? error.message : String(error);
  if (hasCode(error, ...SHOWN_AS_IS)) return { code: error.code, message };
  if ((error as NodeJS.ErrnoException | null)?.code === 'ENOSPC') {
    return {
      code: 'DISK_FULL',
      message: `The disk is full: ${message}. Free some space, then resume the download.`,
    };
  }
  return { code: 'DOWNLOAD_FAILED', message: `The download failed: ${message}. Resume it to try again.` };
}
