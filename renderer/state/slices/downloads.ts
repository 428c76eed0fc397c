/**
 * Models on disk and how they get there: the catalog (with this machine's memory and disk), download jobs
 * (pushed as `downloads.progress`, kept by id so one job's progress re-renders only what shows that job),
 * inspecting a Hub repo or a local folder, adding a folder, deleting a model, and the Hub's endpoint and
 * token.
 */
import { catalogEntry } from '../../../app/catalog.ts';
import type {
  CatalogView,
  DownloadJob,
  HubSettings,
  Inspection,
  ModelEntry,
  RequestInput,
  Result,
  WireError,
} from '../../../app/ipc/contract.ts';
import { describeWithAdvice } from '../../lib/errors.ts';
import type { AppState, SliceCreator } from '../store.ts';
import { without } from './generation.ts';

export type HubPatch = RequestInput<'hub.configure'>;

export interface InspectionState {
  source: string;
  status: 'idle' | 'loading' | 'done' | 'error';
  result: Inspection | null;
  error: string | null;
}

export interface DownloadsSlice {
  /** Download jobs by id, as the services last reported them. */
  downloads: Record<string, DownloadJob>;
  /** null until loaded (or when the services cannot give it: `catalogError` says why). */
  catalog: CatalogView | null;
  catalogError: string | null;
  /** The Hub's endpoint and whether a token is stored (from the catalog, then from `hub.configure`). */
  hub: HubSettings | null;
  inspection: InspectionState;
  loadDownloads(): Promise<void>;
  loadCatalog(): Promise<void>;
  /** A job from an event or a reply; an older copy (by `updatedAt`) never replaces a newer one. */
  applyDownload(job: DownloadJob): void;
  startDownload(request: { repo: string; variant?: string; revision?: string }): Promise<DownloadJob | null>;
  pauseDownload(id: string): Promise<boolean>;
  resumeDownload(id: string): Promise<boolean>;
  cancelDownload(id: string): Promise<boolean>;
  /** A failed job again: the same repo, revision and variant (files already verified are kept). */
  retryDownload(id: string): Promise<boolean>;
  /** Forgets finished, failed and cancelled jobs. */
  clearDownloads(): Promise<boolean>;
  deleteModel(id: string): Promise<boolean>;
  addFolder(dir: string): Promise<ModelEntry | null>;
  inspect(source: string): Promise<void>;
  resetInspection(): void;
  configureHub(patch: HubPatch): Promise<boolean>;
}

export const ACTIVE_STATES: ReadonlySet<DownloadJob['state']> = new Set(['queued', 'downloading', 'paused']);
/**
 * States shown in the downloads list: running, waiting, paused, failed (with Retry) and done (until the
 * list is cleared). Cancelled downloads leave it: their files are gone.
 */
const SHOWN_STATES: ReadonlySet<DownloadJob['state']> = new Set([...ACTIVE_STATES, 'failed', 'done']);

const keyOf = (job: Pick<DownloadJob, 'repo' | 'variant'>) => `${job.repo.toLowerCase()}\u0000${job.variant}`;

/** The newest job per repo and variant: a retry replaces the failed job it repeats. */
export function latestJobs(downloads: Readonly<Record<string, DownloadJob>>): DownloadJob[] {
  const latest = new Map<string, DownloadJob>();
  for (const job of Object.values(downloads)) {
    const seen = latest.get(keyOf(job));
    if (!seen || job.createdAt > seen.createdAt || (job.createdAt === seen.createdAt && job.id > seen.id))
      latest.set(keyOf(job), job);
  }
  return [...latest.values()].sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
}

/** Ids of the jobs the downloads list shows (the newest per repo and variant, not cancelled), oldest first. */
export function selectShownDownloadIds(state: Pick<AppState, 'downloads'>): string[] {
  return latestJobs(state.downloads)
    .filter((job) => SHOWN_STATES.has(job.state))
    .map((job) => job.id);
}

/** The job shown for a repo (and variant, if given): running, paused, failed or done. */
export function selectShownJob(
  state: Pick<AppState, 'downloads'>,
  repo: string,
  variant?: string,
): DownloadJob | null {
  const wanted = repo.toLowerCase();
  return (
    latestJobs(state.downloads)
      .filter(
        (job) => job.repo.toLowerCase() === wanted && (variant === undefined || job.variant === variant),
      )
      .findLast((job) => SHOWN_STATES.has(job.state)) ?? null
  );
}

/** Whole percent done, or null while the size is not known yet. */
export function percentOf(job: Pick<DownloadJob, 'bytes' | 'total'>): number | null {
  if (job.total <= 0) return null;
  return Math.min(100, Math.floor((job.bytes / job.total) * 100));
}

/** A name for a job in messages: the catalog's name, else the repo. */
export function jobName(job: Pick<DownloadJob, 'repo' | 'variant'>): string {
  const name = catalogEntry(job.repo)?.name ?? job.repo;
  // The services fill in the variant once they know it (it is '' when none was asked for).
  return job.variant ? `${name} (${job.variant})` : name;
}

const NO_INSPECTION: InspectionState = { source: '', status: 'idle', result: null, error: null };

export const createDownloadsSlice: SliceCreator<DownloadsSlice> = ({ api }) => {
  let catalogSeq = 0;
  let inspectSeq = 0;
  return (set, get) => {
    function fail(what: string, error: WireError): void {
      get().pushToast({ message: `${what}: ${describeWithAdvice(error)}`, tone: 'error' });
    }

    /** Applies a job from a request's reply; reports a refusal. */
    async function jobRequest(
      what: string,
      request: Promise<Result<DownloadJob>>,
    ): Promise<DownloadJob | null> {
      const result = await request;
      if (!result.ok) {
        fail(what, result.error);
        return null;
      }
      get().applyDownload(result.value);
      return result.value;
    }

    return {
      downloads: {},
      catalog: null,
      catalogError: null,
      hub: null,
      inspection: NO_INSPECTION,

      async loadDownloads() {
        const result = await api['downloads.list']({});
        if (!result.ok) return;
        // The list is the services' whole truth; keep a local copy only where it is newer (an event won).
        set((state) => {
          const next: Record<string, DownloadJob> = {};
          for (const job of result.value) {
            const mine = state.downloads[job.id];
            next[job.id] = mine && mine.updatedAt > job.updatedAt ? mine : job;
          }
          return { downloads: next };
        });
      },

      async loadCatalog() {
        const seq = ++catalogSeq;
        const result = await api['catalog.get']({});
        if (seq !== catalogSeq) return;
        if (result.ok) set({ catalog: result.value, catalogError: null, hub: result.value.hub });
        else set({ catalogError: describeWithAdvice(result.error) });
      },

      applyDownload(job) {
        const before = get().downloads[job.id];
        if (before && before.updatedAt > job.updatedAt) return;
        set((state) => ({ downloads: { ...state.downloads, [job.id]: job } }));
        if (!before || before.state === job.state) return;
        if (job.state === 'done')
          get().pushToast({ message: `Downloaded ${jobName(job)}. It is ready to use.` });
        else if (job.state === 'failed')
          get().pushToast({
            message: `Download of ${jobName(job)} failed: ${describeWithAdvice(job.error ?? { code: 'INTERNAL', message: '' })}`,
            tone: 'error',
            action: { label: 'Retry', run: () => void get().retryDownload(job.id) },
          });
      },

      async startDownload({ repo, variant, revision }) {
        return jobRequest(
          'Could not start the download',
          api['downloads.start']({
            repo,
            ...(variant ? { variant } : {}),
            ...(revision ? { revision } : {}),
          }),
        );
      },

      async pauseDownload(id) {
        return Boolean(await jobRequest('Could not pause', api['downloads.pause']({ id })));
      },

      async resumeDownload(id) {
        return Boolean(await jobRequest('Could not resume', api['downloads.resume']({ id })));
      },

      async cancelDownload(id) {
        return Boolean(await jobRequest('Could not cancel', api['downloads.cancel']({ id })));
      },

      async retryDownload(id) {
        const job = get().downloads[id];
        if (!job) return false;
        const next = await get().startDownload({
          repo: job.repo,
          variant: job.variant,
          revision: job.revision,
        });
        // The failed job is superseded: drop it here (the services keep it until the list is cleared).
        if (next && next.id !== id) set((state) => ({ downloads: without(state.downloads, id) }));
        return Boolean(next);
      },

      async clearDownloads() {
        const result = await api['downloads.clear']({});
        if (!result.ok) {
          fail('Could not clear the list', result.error);
          return false;
        }
        set({ downloads: Object.fromEntries(result.value.map((job) => [job.id, job])) });
        return true;
      },

      async deleteModel(id) {
        const model = get().models?.find((m) => m.id === id);
        const result = await api['models.delete']({ id });
        if (!result.ok) {
          fail('Could not delete the model', result.error);
          return false;
        }
        set((state) => ({ models: state.models?.filter((m) => m.id !== id) ?? null }));
        get().pushToast({ message: `Deleted ${model?.name ?? 'the model'} from disk.` });
        // The active model may have been this one: the services chose another (or none).
        if (get().settings?.activeModelId === id) void get().loadSettings();
        void get().loadModels();
        void get().loadCatalog();
        return true;
      },

      async addFolder(dir) {
        const result = await api['models.addFolder']({ dir });
        if (!result.ok) {
          fail('Could not add the folder', result.error);
          return null;
        }
        const model = result.value;
        set((state) => ({
          models: [...(state.models ?? []).filter((m) => m.id !== model.id), model],
        }));
        get().pushToast({ message: `Added ${model.name}.` });
        void get().loadModels();
        return model;
      },

      async inspect(source) {
        const trimmed = source.trim();
        if (!trimmed) return;
        const seq = ++inspectSeq;
        set({ inspection: { source: trimmed, status: 'loading', result: null, error: null } });
        const result = await api['models.inspect']({ source: trimmed });
        if (seq !== inspectSeq) return;
        set({
          inspection: result.ok
            ? { source: trimmed, status: 'done', result: result.value, error: null }
            : { source: trimmed, status: 'error', result: null, error: describeWithAdvice(result.error) },
        });
      },

      resetInspection() {
        inspectSeq++;
        set({ inspection: NO_INSPECTION });
      },

      async configureHub(patch) {
        const result = await api['hub.configure'](patch);
        if (!result.ok) {
          fail('Could not save the Hub settings', result.error);
          return false;
        }
        set((state) => ({
          hub: result.value,
          catalog: state.catalog ? { ...state.catalog, hub: result.value } : null,
        }));
        return true;
      },
    };
  };
};
