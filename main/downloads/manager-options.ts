/**
 * What a DownloadManager is given, apart from manager.ts so the job runner and reporter it creates can take
 * their part of it without importing the manager.
 */
import type { DownloadJob } from '../../app/ipc/contract.ts';
import type { Store } from '../store/types.ts';
import type { HubClientOptions } from './hub-client.ts';

export type DownloadStore = Pick<Store, 'listDownloads' | 'saveDownload' | 'deleteDownload'>;

export interface DownloadManagerOptions {
  modelsDir: string;
  store: DownloadStore;
  /** Hub client settings, read for every job: a changed endpoint or token applies to the next one. */
  client: () => HubClientOptions;
  /** Models downloading at once (default 1: a model's files already download in parallel). */
  parallel?: number;
  /** Files of one model at once (downloadModel's default when absent). */
  fileConcurrency?: number;
  onChange?: (job: DownloadJob) => void;
  /** A model was installed into `dir`. */
  onDone?: (job: DownloadJob, dir: string) => void;
  /** The id the services give the model in `dir`, for the job's `modelId`. */
  modelIdOf?: (dir: string) => string;
  /** Free space check (tests inject a small disk). */
  freeBytes?: (dir: string) => Promise<number>;
  now?: () => number;
  /** Least time between two progress events of a running job (default 250 ms: about 4 per second). */
  throttleMs?: number;
  /** How far back the speed looks (default 5 s). */
  speedWindowMs?: number;
  log?: (message: string, error?: unknown) => void;
}
