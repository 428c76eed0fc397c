/**
 * One transfer of a download job: downloadModel with the job's request, its plan and progress folded into
 * the job (with speed and ETA), and the job done or failed at the end. Paused, cancelled or shut down
 * midway, it leaves the job's state to whoever stopped it.
 */
import type { StoredDownload } from '../store/types.ts';
import { downloadModel } from './download-model.ts';
import { filesOnDisk } from './job-files.ts';
import { applyDone, applyPlan, applyProgress, failure, jobView } from './job-record.ts';
import type { Live, Progress } from './job-record.ts';
import type { JobReporter } from './job-reporter.ts';
import type { DownloadManagerOptions } from './manager-options.ts';
import { RateMeter } from './rate-meter.ts';

export interface JobRunnerContext {
  modelsDir: string;
  options: Pick<DownloadManagerOptions, 'client' | 'fileConcurrency' | 'freeBytes' | 'modelIdOf' | 'onDone'>;
  reporter: JobReporter;
  now: () => number;
  /** How far back the speed looks. */
  speedWindowMs: number;
  /** Whether the manager has been disposed. */
  disposed: () => boolean;
  /** The model folder a job downloads into. */
  folderOf: (job: StoredDownload) => string;
  /** Starts what is queued next; called whenever a transfer ends. */
  pump: () => void;
}

export class JobRunner {
  constructor(private readonly context: JobRunnerContext) {}

  async run(live: Live): Promise<void> {
    const { modelsDir, options, reporter } = this.context;
    if (this.context.disposed() || live.job.state !== 'downloading') return;
    const controller = new AbortController();
    live.controller = controller;
    const { job } = live;
    live.meter = new RateMeter(this.context.speedWindowMs);
    const dir = this.context.folderOf(job);
    try {
      const result = await downloadModel({
        repo: job.repo,
        revision: job.revision,
        ...(job.requestedVariant !== null ? { variant: job.requestedVariant } : {}),
        modelsDir,
        client: options.client(),
        ...(options.fileConcurrency !== undefined ? { concurrency: options.fileConcurrency } : {}),
        ...(options.freeBytes ? { freeBytes: options.freeBytes } : {}),
        signal: controller.signal,
        onPlan: (plan) => this.planned(live, dir, plan),
        onProgress: (progress) => this.progress(live, progress),
      });
      // Paused or cancelled at the very end.
      if (this.context.disposed() || job.state !== 'downloading') return;
      applyDone(job);
      job.modelId = options.modelIdOf?.(result.dir) ?? null;
      reporter.setState(live, 'done');
      options.onDone?.(jobView(live), result.dir);
    } catch (error) {
      if (this.context.disposed() || controller.signal.aborted || job.state !== 'downloading') return;
      job.error = failure(error);
      reporter.setState(live, 'failed');
    } finally {
      live.controller = null;
      this.context.pump();
    }
  }

  /** The plan is known: its commit, variant and files, and how much of each is already on disk. */
  private async planned(
    live: Live,
    dir: string,
    plan: { commit: string; variant: string; files: { path: string; size: number }[] },
  ): Promise<void> {
    const files = await filesOnDisk(dir, plan.files, (path, bytes) => live.meter.onDisk(path, bytes));
    if (live.job.state !== 'downloading') return;
    applyPlan(live.job, plan, files);
    this.sample(live);
    this.context.reporter.save(live);
    this.context.reporter.emit(live);
  }

  private progress(live: Live, progress: Progress): void {
    if (this.context.disposed() || live.job.state !== 'downloading') return;
    applyProgress(live, progress, this.context.now());
    this.sample(live);
    this.context.reporter.saveSoon(live);
    this.context.reporter.emitSoon(live);
  }

  private sample(live: Live): void {
    live.meter.sample(this.context.now(), live.job.bytes, live.job.total);
  }
}
