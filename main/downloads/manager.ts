/**
 * The queue behind `downloads.*`: model downloads (downloadModel) one model at a time by default, each
 * pausable, resumable and cancellable, with progress, a sliding-window speed and an ETA. Transport-free:
 * changes go to `onChange` (throttled while bytes flow, at once on every state change) and a finished
 * model to `onDone`. Jobs are persisted, so after a restart the ones that were queued or downloading pick
 * up their partial files on their own, and paused ones stay paused.
 */
import { randomUUID } from 'node:crypto';
import { join, resolve } from 'node:path';
import { TesseraError } from '../../app/errors.ts';
import type { DownloadJob } from '../../app/ipc/contract.ts';
import type { StoredDownload } from '../store/types.ts';
import { modelDirName } from './download-model.ts';
import { parseRepoRef } from './hub-client.ts';
import { deletePartialFiles } from './job-files.ts';
import { ACTIVE, FINISHED, jobView, newLive } from './job-record.ts';
import type { Live } from './job-record.ts';
import { JobReporter } from './job-reporter.ts';
import { JobRunner } from './job-runner.ts';
import type { DownloadManagerOptions } from './manager-options.ts';

export type { DownloadManagerOptions, DownloadStore } from './manager-options.ts';

export interface StartDownload {
  repo: string;
  revision?: string;
  variant?: string;
}

const STOPPED = { pause: 'Download paused.', cancel: 'Download cancelled.', dispose: 'Stopped at shutdown.' };

/** Why a transfer was aborted: the state is already set by whoever aborted it. */
class Stopped extends Error {
  constructor(readonly why: keyof typeof STOPPED) {
    super(STOPPED[why]);
  }
}

export class DownloadManager {
  private readonly jobs = new Map<string, Live>();
  private readonly modelsDir: string;
  private readonly now: () => number;
  private readonly windowMs: number;
  private readonly reporter: JobReporter;
  private readonly runner: JobRunner;
  private disposed = false;

  constructor(private readonly options: DownloadManagerOptions) {
    this.modelsDir = resolve(options.modelsDir);
    this.now = options.now ?? Date.now;
    this.windowMs = options.speedWindowMs ?? 5_000;
    this.reporter = new JobReporter(options, this.now, options.throttleMs ?? 250);
    this.runner = new JobRunner({
      modelsDir: this.modelsDir,
      options,
      reporter: this.reporter,
      now: this.now,
      speedWindowMs: this.windowMs,
      disposed: () => this.disposed,
      folderOf: (job) => this.folderOf(job),
      pump: () => this.pump(),
    });
    for (const job of options.store.listDownloads()) {
      const live = this.track(job);
      // Cut off by the last exit: back in the queue, to resume from the partial files.
      if (job.state === 'downloading') this.reporter.setState(live, 'queued');
    }
    this.pump();
  }

  list(): DownloadJob[] {
    return [...this.jobs.values()].map((live) => jobView(live));
  }

  get(id: string): DownloadJob {
    return jobView(this.live(id));
  }

  /** Queues a download, or returns the job already queued, running or paused for this repo and variant. */
  start(request: StartDownload): DownloadJob {
    this.assertOpen();
    let repo: string;
    try {
      repo = parseRepoRef(request.repo).repo;
      if (request.revision !== undefined) parseRepoRef(`${repo}@${request.revision}`);
    } catch (error) {
      // parseRepoRef's HUB_ERROR: here a malformed id is the request's fault, not the Hub's.
      throw new TesseraError('BAD_REQUEST', (error as Error).message, { cause: error });
    }
    const variant = request.variant ?? null;
    const same = [...this.jobs.values()].find(
      ({ job }) =>
        job.repo.toLowerCase() === repo.toLowerCase() &&
        (job.requestedVariant === variant || (variant !== null && job.variant === variant)) &&
        (ACTIVE.has(job.state) || job.state === 'failed'),
    );
    if (same) return same.job.state === 'failed' ? this.resume(same.job.id) : jobView(same);
    const at = this.now();
    const live = this.track({
      id: randomUUID(),
      repo,
      revision: request.revision ?? 'main',
      requestedVariant: variant,
      variant: variant ?? '',
      commit: null,
      state: 'queued',
      bytes: 0,
      total: 0,
      files: [],
      error: null,
      createdAt: at,
      updatedAt: at,
      modelId: null,
    });
    this.reporter.save(live);
    this.reporter.emit(live);
    this.pump();
    return jobView(live);
  }

  /** Stops the transfer and keeps the partial files, so `resume` continues where it stopped. */
  pause(id: string): DownloadJob {
    this.assertOpen();
    const live = this.live(id);
    const { state } = live.job;
    if (state === 'paused') return jobView(live);
    if (state !== 'queued' && state !== 'downloading') {
      throw new TesseraError(
        'BAD_REQUEST',
        `The download of ${live.job.repo} is ${state}; only a queued or running one can be paused.`,
      );
    }
    live.controller?.abort(new Stopped('pause'));
    this.reporter.setState(live, 'paused');
    this.pump();
    return jobView(live);
  }

  /** Queues a paused, failed or cancelled download again; it reuses whatever partial files are there. */
  resume(id: string): DownloadJob {
    this.assertOpen();
    const live = this.live(id);
    const { state } = live.job;
    if (state === 'queued' || state === 'downloading') return jobView(live);
    if (state === 'done') {
      throw new TesseraError('BAD_REQUEST', `${live.job.repo} is already downloaded; nothing to resume.`);
    }
    live.job.error = null;
    this.reporter.setState(live, 'queued');
    this.pump();
    return jobView(live);
  }

  /** Stops a download and deletes its partial files (never a complete model already in the folder). */
  async cancel(id: string): Promise<DownloadJob> {
    this.assertOpen();
    const live = this.live(id);
    if (live.job.state === 'done') {
      throw new TesseraError(
        'BAD_REQUEST',
        `${live.job.repo} is already downloaded; delete the model instead.`,
      );
    }
    if (live.job.state === 'cancelled') return jobView(live);
    live.controller?.abort(new Stopped('cancel'));
    this.reporter.setState(live, 'cancelled');
    this.pump();
    await live.running; // Its files must be closed before they are deleted.
    await this.deletePartials(live.job);
    return jobView(live);
  }

  /** Forgets finished, failed and cancelled downloads (their files stay); answers what is left. */
  clear(): DownloadJob[] {
    this.assertOpen();
    for (const [id, live] of this.jobs) {
      if (!FINISHED.has(live.job.state)) continue;
      this.jobs.delete(id);
      this.options.store.deleteDownload(id);
    }
    return this.list();
  }

  /** Whether an unfinished download writes into `dir` (so it is not a usable model, nor to be deleted). */
  isBusy(dir: string): boolean {
    return [...this.jobs.values()].some(
      ({ job }) => ACTIVE.has(job.state) && this.folderOf(job) === resolve(dir),
    );
  }

  /**
   * Stops every transfer without changing its stored state: what was downloading resumes at the next start.
   * The store may be closed once this resolves.
   */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.reporter.close();
    for (const live of this.jobs.values()) {
      if (live.timer) clearTimeout(live.timer);
      if (live.controller) {
        live.controller.abort(new Stopped('dispose'));
        this.options.store.saveDownload(live.job); // keep the latest bytes
      }
    }
    await Promise.all([...this.jobs.values()].map((live) => live.running));
  }

  // ---------------------------------------------------------------------------------------------------

  private assertOpen(): void {
    if (this.disposed)
      throw new TesseraError('BAD_REQUEST', 'Tessera is shutting down; downloads have stopped.');
  }

  private live(id: string): Live {
    const live = this.jobs.get(id);
    if (!live) throw new TesseraError('NOT_FOUND', `No download with id "${id}" (it may have been cleared).`);
    return live;
  }

  private track(job: StoredDownload): Live {
    const live = newLive(job, this.windowMs);
    this.jobs.set(job.id, live);
    return live;
  }

  private folderOf(job: StoredDownload): string {
    return join(this.modelsDir, modelDirName(job.repo));
  }

  /** Starts queued jobs, oldest first, while fewer than `parallel` run; never two into one folder. */
  private pump(): void {
    if (this.disposed) return;
    const all = [...this.jobs.values()];
    const running = () => all.filter((l) => l.job.state === 'downloading');
    for (const live of all) {
      if (running().length >= (this.options.parallel ?? 1)) break;
      if (live.job.state !== 'queued') continue;
      if (running().some((l) => this.folderOf(l.job) === this.folderOf(live.job))) continue;
      this.reporter.setState(live, 'downloading');
      // After the previous transfer of this job has let go of its files (a quick pause and resume).
      const previous = live.running ?? Promise.resolve();
      live.running = previous
        .then(() => this.runner.run(live))
        .catch((error: unknown) => this.options.log?.(`the download of ${live.job.repo} stopped`, error));
    }
  }

  /** A cancelled job's partial files (deletePartialFiles); nothing while another download writes there. */
  private async deletePartials(job: StoredDownload): Promise<void> {
    const dir = this.folderOf(job);
    if (this.isBusy(dir)) return;
    try {
      await deletePartialFiles(dir);
    } catch (error) {
      this.options.log?.(`could not delete the partial files in ${dir}`, error);
    }
  }
}
