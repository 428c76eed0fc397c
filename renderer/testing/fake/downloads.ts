/**
 * downloads.*: jobs that advance only when told (`advanceDownload`, `failDownload`, `completeDownload`), or
 * on a timer with `autoDownload` (the demo). A completed download installs its model and emits
 * `models.changed`; the engine picks up a first model on its own.
 */
import type { WireError } from '../../../app/errors.ts';
import type { DownloadJob, ModelEntry } from '../../../app/ipc/contract.ts';
import { EXTRA_FILES, FAKE_COMMIT, FAKE_MODELS_DIR, catalogEntry, fakeStats } from './data.ts';
import { type FakeState, type HandlersOf, err, ok } from './state.ts';

type DownloadRequests =
  | 'downloads.list'
  | 'downloads.start'
  | 'downloads.pause'
  | 'downloads.resume'
  | 'downloads.cancel'
  | 'downloads.clear';

export interface DownloadControls {
  /** Moves a download on by this many bytes (queued or downloading), finishing it at its total. */
  advanceDownload(id: string, bytes: number, bytesPerSecond?: number): DownloadJob;
  failDownload(id: string, error?: WireError): DownloadJob;
  completeDownload(id: string): DownloadJob;
}

export function downloads(state: FakeState): {
  handlers: HandlersOf<DownloadRequests>;
  controls: DownloadControls;
} {
  const { downloads, models, options, tick } = state;

  function saveJob(job: DownloadJob): DownloadJob {
    const next = { ...job, updatedAt: tick() };
    downloads.set(next.id, next);
    state.emit('downloads.progress', structuredClone(next));
    return next;
  }

  function getJob(jobId: string): DownloadJob {
    const job = downloads.get(jobId);
    if (!job) throw new Error(`No download ${jobId}.`);
    return job;
  }

  function install(job: DownloadJob): ModelEntry {
    const entry = catalogEntry(job.repo);
    const name = job.repo.split('/').pop() ?? job.repo;
    const model: ModelEntry = {
      id: `${name.toLowerCase()}-${job.variant}`,
      name: entry ? `${entry.name} (${job.variant})` : name,
      dir: `${FAKE_MODELS_DIR}/${job.repo.replace('/', '--')}-${job.variant}`,
      family: entry?.family ?? 'smolvlm',
      contextLength: entry?.contextLength ?? 8192,
      source: { repo: job.repo, commit: job.commit ?? FAKE_COMMIT, variant: job.variant },
      bytes: job.total,
      removable: true,
    };
    const at = models.findIndex((m) => m.id === model.id);
    if (at >= 0) models[at] = model;
    else models.push(model);
    models.sort((a, b) => a.name.localeCompare(b.name));
    return model;
  }

  function completeDownload(jobId: string): DownloadJob {
    const job = getJob(jobId);
    const model = install(job);
    const done = saveJob({
      ...job,
      state: 'done',
      bytes: job.total,
      files: job.files.map((f) => ({ ...f, bytes: f.total, done: true })),
      bytesPerSecond: 0,
      etaSeconds: 0,
      modelId: model.id,
    });
    state.emit('models.changed', {});
    // The engine picks up a first model on its own.
    if (state.engine.state === 'stopped') {
      state.setEngine({ state: 'starting', modelId: model.id });
      state.setEngine({ state: 'ready', providers: fakeStats(0).providers });
    }
    return done;
  }

  function advanceDownload(jobId: string, bytes: number, bytesPerSecond = bytes): DownloadJob {
    const job = getJob(jobId);
    if (job.state !== 'queued' && job.state !== 'downloading') return job;
    let left = bytes;
    const files = job.files.map((file) => {
      const take = Math.min(left, file.total - file.bytes);
      left -= take;
      const done = file.bytes + take;
      return { ...file, bytes: done, done: done >= file.total };
    });
    const total = files.reduce((sum, f) => sum + f.bytes, 0);
    if (total >= job.total) {
      downloads.set(jobId, { ...job, files, bytes: total });
      return completeDownload(jobId);
    }
    return saveJob({
      ...job,
      state: 'downloading',
      commit: job.commit ?? FAKE_COMMIT,
      files,
      bytes: total,
      bytesPerSecond,
      etaSeconds: bytesPerSecond > 0 ? Math.ceil((job.total - total) / bytesPerSecond) : null,
    });
  }

  function failDownload(
    jobId: string,
    error: WireError = { code: 'HUB_ERROR', message: 'The Hub answered 503 Service Unavailable.' },
  ): DownloadJob {
    const job = getJob(jobId);
    return saveJob({ ...job, state: 'failed', bytesPerSecond: 0, etaSeconds: null, error });
  }

  function filesFor(repo: string, variant: string): DownloadJob['files'] | null {
    const entry = catalogEntry(repo);
    const spec = entry?.variants.find((v) => v.id === variant);
    if (!entry || !spec) return null;
    const graphs = Object.values(spec.files);
    const perGraph = Math.round(spec.downloadBytes / graphs.length);
    return [...EXTRA_FILES, ...graphs.map((path): [string, number] => [path, perGraph])].map(
      ([path, total]) => ({ path, bytes: 0, total, done: false }),
    );
  }

  let downloadTimer: ReturnType<typeof setInterval> | null = null;
  function ensureDownloadTimer(): void {
    const auto = options.autoDownload;
    if (!auto || downloadTimer) return;
    downloadTimer = setInterval(() => {
      const running = [...downloads.values()].filter(
        (j) => j.state === 'queued' || j.state === 'downloading',
      );
      if (running.length === 0 && downloadTimer) {
        clearInterval(downloadTimer);
        downloadTimer = null;
        return;
      }
      const rate = auto.bytesPerSecond / running.length;
      for (const job of running) advanceDownload(job.id, Math.round((rate * auto.tickMs) / 1000), rate);
    }, auto.tickMs);
  }

  const handlers: HandlersOf<DownloadRequests> = {
    'downloads.list': () => ok([...downloads.values()].sort((a, b) => a.createdAt - b.createdAt)),
    'downloads.start': ({ repo, revision, variant }) => {
      const entry = catalogEntry(repo);
      if (entry && !entry.supported)
        return err('MODEL_UNSUPPORTED', entry.unsupportedReason ?? 'Tessera cannot run this model yet.');
      const chosen = variant ?? entry?.defaultVariant ?? 'q4';
      // Like the services: the job already queued, running or paused is answered; a failed one resumes.
      const same = [...downloads.values()].find(
        (j) =>
          j.repo.toLowerCase() === repo.toLowerCase() &&
          j.variant === chosen &&
          (j.state === 'queued' || j.state === 'downloading' || j.state === 'paused' || j.state === 'failed'),
      );
      if (same?.state === 'failed') {
        const resumed = saveJob({ ...same, state: 'queued', error: null });
        ensureDownloadTimer();
        return ok(resumed);
      }
      if (same) return ok(same);
      const files = filesFor(repo, chosen);
      if (!files) return err('HUB_ERROR', `${repo} has no ${chosen} variant.`);
      const now = tick();
      const job = saveJob({
        id: state.id('dl'),
        repo: entry?.repo ?? repo,
        revision: revision ?? 'main',
        variant: chosen,
        commit: null,
        state: 'queued',
        bytes: 0,
        total: files.reduce((sum, f) => sum + f.total, 0),
        bytesPerSecond: 0,
        etaSeconds: null,
        files,
        error: null,
        createdAt: now,
        updatedAt: now,
        modelId: null,
      });
      ensureDownloadTimer();
      return ok(job);
    },
    'downloads.pause': ({ id: jobId }) => {
      const job = downloads.get(jobId);
      if (!job) return err('NOT_FOUND', 'No such download.');
      if (job.state !== 'queued' && job.state !== 'downloading')
        return err('BAD_REQUEST', `The download is ${job.state}; only a running download can pause.`);
      return ok(saveJob({ ...job, state: 'paused', bytesPerSecond: 0, etaSeconds: null }));
    },
    'downloads.resume': ({ id: jobId }) => {
      const job = downloads.get(jobId);
      if (!job) return err('NOT_FOUND', 'No such download.');
      if (job.state !== 'paused' && job.state !== 'failed')
        return err('BAD_REQUEST', `The download is ${job.state}; only a paused download can resume.`);
      const resumed = saveJob({ ...job, state: 'queued', error: null });
      ensureDownloadTimer();
      return ok(resumed);
    },
    'downloads.cancel': ({ id: jobId }) => {
      const job = downloads.get(jobId);
      if (!job) return err('NOT_FOUND', 'No such download.');
      if (job.state === 'done') return err('BAD_REQUEST', 'The download has finished.');
      return ok(
        saveJob({
          ...job,
          state: 'cancelled',
          bytes: 0,
          files: job.files.map((f) => ({ ...f, bytes: 0, done: false })),
          bytesPerSecond: 0,
          etaSeconds: null,
        }),
      );
    },
    'downloads.clear': () => {
      for (const job of [...downloads.values()])
        if (job.state === 'done' || job.state === 'failed' || job.state === 'cancelled')
          downloads.delete(job.id);
      return ok([...downloads.values()]);
    },
  };
  return { handlers, controls: { advanceDownload, failDownload, completeDownload } };
}
