/**
 * Where a download job's changes go: the store (progress at most every 2 s, state changes at once) and the
 * manager's `onChange` (throttled while bytes flow, at once on every state change). Silent once closed.
 */
import type { DownloadState } from '../../app/ipc/contract.ts';
import type { DownloadManagerOptions } from './manager-options.ts';
import { jobView } from './job-record.ts';
import type { Live } from './job-record.ts';

/** Progress is written to the database at most this often (state changes always are). */
const SAVE_EVERY_MS = 2_000;

export class JobReporter {
  private closed = false;

  constructor(
    private readonly options: Pick<DownloadManagerOptions, 'store' | 'onChange' | 'log'>,
    private readonly now: () => number,
    /** Least time between two progress events of a running job. */
    private readonly throttleMs: number,
  ) {}

  /** At shutdown: nothing is saved or emitted any more. */
  close(): void {
    this.closed = true;
  }

  setState(live: Live, state: DownloadState): void {
    live.job.state = state;
    if (state !== 'downloading') live.meter.stop();
    this.save(live);
    this.emit(live);
  }

  save(live: Live): void {
    if (this.closed) return;
    live.job.updatedAt = this.now();
    live.lastSave = live.job.updatedAt;
    this.options.store.saveDownload(live.job);
  }

  /** Saves progress when the last save is old enough. */
  saveSoon(live: Live): void {
    if (this.now() - live.lastSave >= SAVE_EVERY_MS) this.save(live);
  }

  /** At most one event per `throttleMs`; the last change is never dropped. */
  emitSoon(live: Live): void {
    if (live.timer) return;
    const wait = live.lastEmit + this.throttleMs - this.now();
    if (wait <= 0) return this.emit(live);
    live.timer = setTimeout(() => this.emit(live), wait);
  }

  emit(live: Live): void {
    if (live.timer) clearTimeout(live.timer);
    live.timer = null;
    if (this.closed) return;
    live.lastEmit = this.now();
    try {
      this.options.onChange?.(jobView(live));
    } catch (error) {
      this.options.log?.('a download listener failed', error);
    }
  }
}
