import { describe, expect, it } from 'vitest';
import type { DownloadJob } from '../../app/ipc/contract.ts';
import { createHarness, must, settle } from '../testing/harness.ts';
import { latestJobs, selectShownDownloadIds, selectShownJob } from './slices/downloads.ts';
import { loadAll } from './store.ts';

const REPO = 'HuggingFaceTB/SmolVLM-500M-Instruct';

function job(fields: Partial<DownloadJob> & Pick<DownloadJob, 'id'>): DownloadJob {
  return {
    repo: REPO,
    revision: 'main',
    variant: 'q4',
    commit: null,
    state: 'downloading',
    bytes: 0,
    total: 1000,
    bytesPerSecond: 0,
    etaSeconds: null,
    files: [],
    error: null,
    createdAt: 1,
    updatedAt: 1,
    modelId: null,
    ...fields,
  };
}

describe('downloads', () => {
  it('loads the catalog and the downloads with everything else (start-up and reconnect)', async () => {
    const h = createHarness();
    await h.store.getState().startDownload({ repo: REPO });
    h.store.setState({ downloads: {}, catalog: null });
    await loadAll(h.store);
    const names = h.fake.calls.map((c) => c.name);
    expect(names).toContain('downloads.list');
    expect(names).toContain('catalog.get');
    expect(Object.keys(h.store.getState().downloads)).toHaveLength(1);
    expect(h.store.getState().catalog?.entries.length).toBeGreaterThan(0);
    expect(h.store.getState().hub).toMatchObject({ endpointSource: 'default', hasToken: false });
  });

  it('a progress event replaces its own job only, and an older copy never wins', () => {
    const { store, fake } = createHarness();
    fake.emit('downloads.progress', job({ id: 'a', updatedAt: 5, bytes: 100 }));
    fake.emit('downloads.progress', job({ id: 'b', variant: 'q8', updatedAt: 5 }));
    const b = store.getState().downloads.b;
    fake.emit('downloads.progress', job({ id: 'a', updatedAt: 6, bytes: 200 }));
    expect(store.getState().downloads.a?.bytes).toBe(200);
    // Unrelated jobs keep their identity: what shows them does not re-render.
    expect(store.getState().downloads.b).toBe(b);
    // A late reply (older) does not undo newer progress.
    store.getState().applyDownload(job({ id: 'a', updatedAt: 4, bytes: 50, state: 'paused' }));
    expect(store.getState().downloads.a).toMatchObject({ bytes: 200, state: 'downloading' });
  });

  it('models.changed reloads the models and the catalog', async () => {
    const { store, fake } = createHarness();
    await loadAll(store);
    const count = (name: string) => fake.calls.filter((c) => c.name === name).length;
    const before = { models: count('models.list'), catalog: count('catalog.get') };
    fake.models.push({ ...must(fake.models[0]), id: 'new', name: 'New' });
    fake.emit('models.changed', {});
    await settle();
    expect(count('models.list')).toBe(before.models + 1);
    expect(count('catalog.get')).toBe(before.catalog + 1);
    expect(store.getState().models?.map((m) => m.id)).toContain('new');
  });

  it('a retried job supersedes the failed one; cancelled jobs are not listed', () => {
    const jobs = {
      old: job({ id: 'old', state: 'failed', createdAt: 1 }),
      new: job({ id: 'new', state: 'queued', createdAt: 2 }),
      done: job({ id: 'done', variant: 'fp16', state: 'done', createdAt: 3 }),
      gone: job({ id: 'gone', variant: 'q8', state: 'cancelled', createdAt: 4 }),
      other: job({ id: 'other', repo: 'x/y', state: 'paused', createdAt: 5 }),
    };
    expect(latestJobs(jobs).map((j) => j.id)).toEqual(['new', 'done', 'gone', 'other']);
    expect(selectShownDownloadIds({ downloads: jobs })).toEqual(['new', 'done', 'other']);
    expect(selectShownJob({ downloads: jobs }, REPO.toLowerCase(), 'q4')?.id).toBe('new');
    expect(selectShownJob({ downloads: jobs }, REPO, 'q8')).toBeNull();
    expect(selectShownJob({ downloads: jobs }, 'x/y')?.id).toBe('other');
  });

  it('deleting the active model reloads the settings (the services chose another)', async () => {
    const h = createHarness();
    await loadAll(h.store);
    expect(await h.store.getState().deleteModel('smolvlm-256m')).toBe(true);
    await settle();
    expect(h.store.getState().models).toEqual([]);
    expect(h.fake.calls.filter((c) => c.name === 'settings.get')).toHaveLength(2);
    expect(h.store.getState().settings?.activeModelId).toBeNull();
  });

  it('inspection: only the newest answer counts', async () => {
    const h = createHarness();
    const first = h.store.getState().inspect('onnx-community/Qwen2-VL-2B-Instruct');
    const second = h.store.getState().inspect('HuggingFaceTB/SmolVLM-256M-Instruct');
    await Promise.all([first, second]);
    expect(h.store.getState().inspection).toMatchObject({
      source: 'HuggingFaceTB/SmolVLM-256M-Instruct',
      status: 'done',
      result: { runnable: true, kind: 'repo' },
    });
  });
});

it('retry: a new job from the services replaces the failed one in the store', async () => {
  const h = createHarness({
    handlers: {
      'downloads.start': ({ repo, variant, revision }) => ({
        ok: true,
        value: job({
          id: 'second',
          repo,
          variant: variant ?? 'q4',
          revision: revision ?? 'main',
          state: 'queued',
          createdAt: 9,
          updatedAt: 9,
        }),
      }),
    },
  });
  h.store
    .getState()
    .applyDownload(job({ id: 'first', state: 'failed', error: { code: 'HUB_ERROR', message: 'x' } }));
  expect(await h.store.getState().retryDownload('first')).toBe(true);
  expect(Object.keys(h.store.getState().downloads)).toEqual(['second']);
  expect(h.fake.calls.at(-1)?.input).toEqual({ repo: REPO, variant: 'q4', revision: 'main' });
});
