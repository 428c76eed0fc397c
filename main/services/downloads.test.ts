/**
 * Getting models through the services, against a local hub and a real engine: the first run downloads a
 * model and ends with it loaded, an unfinished download is never listed, folders are inspected before they
 * are added, only downloaded models can be deleted, and downloads survive a restart of the services.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CATALOG } from '../../app/catalog.ts';
import { testModelDir } from '../../models/testing/test-models.ts';
import { sizeOf, until } from '../downloads/testing.ts';
import { LocalHub } from '../hub/local-hub.ts';
import { openStore } from '../store/store.ts';
import type { DownloadsOptions } from './index.ts';
import { HubConfig, memoryTokenStore } from './hub-config.ts';
import { modelId } from './models.ts';
import { TEST_SETTINGS, startHarness } from './testing/harness.ts';
import type { Harness } from './testing/harness.ts';

const REPO = 'tessera-test/smolvlm-tiny';
const BIG = 'onnx/decoder_model_merged.onnx';
const scratch = mkdtempSync(join(tmpdir(), 'tessera-services-dl-'));
let source: string;
let other: string;
let hub: LocalHub;
let n = 0;

function downloads(extra: Partial<DownloadsOptions> = {}): DownloadsOptions & { modelsDir: string } {
  return {
    modelsDir: join(scratch, `models-${n++}`),
    hubEndpoint: hub.url,
    hubClient: { backoffMs: 10, maxBackoffMs: 1000, retries: 2 },
    ...extra,
  };
}

beforeAll(async () => {
  source = await testModelDir({ family: 'smolvlm', size: 'tiny', dtype: 'fp32', seed: 1 });
  other = await testModelDir({ family: 'smolvlm', size: 'tiny', dtype: 'fp32', seed: 2 });
  hub = await LocalHub.start({ [REPO]: source });
});

afterAll(async () => {
  await hub?.close();
  rmSync(scratch, { recursive: true, force: true });
});

beforeEach(() => hub.clearFaults());

describe('getting models through the services', () => {
  let h: Harness;
  let options: ReturnType<typeof downloads>;
  let folder: string;
  beforeAll(() => {
    options = downloads();
    folder = join(options.modelsDir, 'tessera-test--smolvlm-tiny');
    h = startHarness({ modelDirs: [], downloads: options });
  });
  afterAll(() => h.close());

  it('shows the catalog with memory, the models folder, its free space and the hub', async () => {
    const view = await h.call('catalog.get', {});
    expect(view.entries.map((e) => e.repo)).toEqual(CATALOG.map((e) => e.repo));
    expect(view.memory.totalBytes).toBeGreaterThan(0);
    expect(view.memory.availableBytes).toBeGreaterThan(0);
    expect(view.modelsDir).toBe(options.modelsDir);
    expect(view.freeDiskBytes).toBeGreaterThan(0);
    expect(view.hub).toEqual({ endpoint: hub.url, endpointSource: 'flag', hasToken: false });
  });

  it('first run: downloads a model, never lists it unfinished, then lists it and loads it', async () => {
    expect(await h.call('models.list', {})).toEqual([]);
    hub.inject({ kind: 'slow', path: BIG, bytesPerSecond: 200_000 });
    const job = await h.call('downloads.start', { repo: REPO });
    expect(job.state).toBe('downloading');
    await until(
      () => existsSync(join(folder, 'config.json')) && sizeOf(join(folder, `${BIG}.incomplete`)) > 0,
      'a half-downloaded model',
    );
    expect(await h.call('models.list', {})).toEqual([]);

    const done = await h.next('downloads.progress', (p) => p.id === job.id && p.state === 'done');
    await h.next('models.changed');
    const models = await h.call('models.list', {});
    expect(models).toEqual([
      expect.objectContaining({
        id: modelId(folder),
        dir: folder,
        source: { repo: REPO, commit: hub.commit(REPO), variant: 'fp32' },
        removable: true,
      }),
    ]);
    expect(models[0]?.bytes).toBeGreaterThan(done.total);
    expect(done.modelId).toBe(models[0]?.id);
    const progress = h.events.filter(([name, p]) => name === 'downloads.progress' && p.id === job.id);
    expect(progress.some(([, p]) => (p as typeof job).bytesPerSecond > 0)).toBe(true);
    // No model was chosen: the services loaded the new one.
    await h.next('engine.status', (s) => s.state === 'ready' && s.modelId === modelId(folder));
    expect((await h.call('downloads.list', {})).map((d) => [d.id, d.state])).toEqual([[job.id, 'done']]);
  });

  it('inspects Hub repos and folders, with clear errors', async () => {
    expect(await h.call('models.inspect', { source: REPO })).toMatchObject({
      kind: 'repo',
      runnable: true,
      family: 'smolvlm',
      problems: [],
    });
    expect(await h.call('models.inspect', { source: other })).toMatchObject({
      kind: 'folder',
      runnable: true,
    });
    expect(await h.fail('models.inspect', { source: 'tessera-test/nope' })).toMatchObject({
      code: 'HUB_ERROR',
      message: expect.stringMatching(/not found/),
    });
    expect(await h.fail('models.inspect', { source: 'no such thing' })).toMatchObject({
      code: 'BAD_REQUEST',
    });
  });

  it('adds a model folder after inspecting it, and refuses what it cannot run', async () => {
    const empty = join(scratch, 'empty');
    mkdirSync(empty);
    expect(await h.fail('models.addFolder', { dir: 'relative/dir' })).toMatchObject({ code: 'BAD_REQUEST' });
    expect(await h.fail('models.addFolder', { dir: join(scratch, 'missing') })).toMatchObject({
      code: 'NOT_FOUND',
    });
    expect(await h.fail('models.addFolder', { dir: empty })).toMatchObject({
      code: 'MODEL_UNSUPPORTED',
      message: expect.stringMatching(/config\.json/),
    });
    const from = h.events.length;
    const added = await h.call('models.addFolder', { dir: other });
    expect(added).toMatchObject({ id: modelId(other), dir: other, source: null, removable: false });
    await h.next('models.changed', undefined, from);
    expect(h.store.getLocalSettings().modelFolders).toEqual([other]);
    expect((await h.call('models.list', {})).map((m) => m.dir).sort()).toEqual([folder, other].sort());
    // The model in use stays in use.
    expect(h.engine.target?.modelId).toBe(modelId(folder));
  });

  it('deletes only downloaded models, unloading the one in use first', async () => {
    expect(await h.fail('models.delete', { id: modelId(other) })).toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringMatching(/folder you added/),
    });
    const from = h.events.length;
    expect(await h.call('models.delete', { id: modelId(folder) })).toEqual({ id: modelId(folder) });
    expect(existsSync(folder)).toBe(false);
    await h.next('models.changed', undefined, from);
    expect((await h.call('models.list', {})).map((m) => m.dir)).toEqual([other]);
    // None chosen: the next model found takes over.
    await h.next('engine.status', (s) => s.state === 'ready' && s.modelId === modelId(other), from);
    expect(await h.fail('models.delete', { id: modelId(folder) })).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('configures the hub: the flag wins over the setting; the token is kept but never shown', async () => {
    expect(await h.call('hub.configure', { endpoint: 'https://mirror.example', token: 'hf_secret' })).toEqual(
      {
        endpoint: hub.url,
        endpointSource: 'flag',
        hasToken: true,
      },
    );
    expect(h.store.getLocalSettings().hubEndpoint).toBe('https://mirror.example');
    expect(await h.call('hub.configure', { endpoint: null, token: null })).toMatchObject({ hasToken: false });
    expect(h.store.getLocalSettings().hubEndpoint).toBeNull();
    expect(await h.fail('hub.configure', { endpoint: 'ftp://x' })).toMatchObject({ code: 'BAD_REQUEST' });
  });
});

describe('hub settings', () => {
  it('take the endpoint from the flag, then the setting, then HF_ENDPOINT, then huggingface.co', () => {
    let hubEndpoint: string | null = null;
    const store = { getLocalSettings: () => ({ hubEndpoint, modelFolders: [], remoteServers: [] }) };
    const saved = process.env.HF_ENDPOINT;
    try {
      delete process.env.HF_ENDPOINT;
      const tokens = memoryTokenStore('hf_x');
      const config = new HubConfig(store, tokens);
      expect(config.settings()).toEqual({
        endpoint: 'https://huggingface.co',
        endpointSource: 'default',
        hasToken: true,
      });
      process.env.HF_ENDPOINT = 'https://env.example/';
      expect(config.settings()).toMatchObject({ endpoint: 'https://env.example', endpointSource: 'env' });
      hubEndpoint = 'https://setting.example';
      expect(config.settings()).toMatchObject({ endpoint: hubEndpoint, endpointSource: 'setting' });
      expect(config.client()).toEqual({ endpoint: hubEndpoint, token: 'hf_x' });
      const flagged = new HubConfig(store, memoryTokenStore(), 'https://flag.example');
      expect(flagged.settings()).toMatchObject({ endpoint: 'https://flag.example', endpointSource: 'flag' });
      expect(flagged.client()).toEqual({ endpoint: 'https://flag.example' });
    } finally {
      if (saved === undefined) delete process.env.HF_ENDPOINT;
      else process.env.HF_ENDPOINT = saved;
    }
  });
});

describe('downloads across a restart of the services', () => {
  it('stops a running download at dispose without failing it, and the next start finishes it', async () => {
    const dataDir = mkdtempSync(join(scratch, 'data-'));
    const store = openStore(dataDir);
    store.updateSettings(TEST_SETTINGS);
    const options = downloads();
    const partial = join(options.modelsDir, 'tessera-test--smolvlm-tiny', `${BIG}.incomplete`);
    try {
      const first = startHarness({ modelDirs: [], store, downloads: options });
      hub.inject({ kind: 'slow', path: BIG, bytesPerSecond: 100_000 });
      const job = await first.call('downloads.start', { repo: REPO });
      await first.call('models.addFolder', { dir: other });
      await until(() => sizeOf(partial) > 50_000, 'a partial file');
      await first.close();
      expect(store.listDownloads().map((d) => d.state)).toEqual(['downloading']);
      expect(first.events.some(([name, p]) => name === 'downloads.progress' && p.state === 'failed')).toBe(
        false,
      );

      hub.clearFaults();
      const second = startHarness({ modelDirs: [], store, downloads: options });
      try {
        await second.next('downloads.progress', (p) => p.id === job.id && p.state === 'done');
        const dirs = (await second.call('models.list', {})).map((m) => m.dir);
        expect(dirs.sort()).toEqual([other, join(options.modelsDir, 'tessera-test--smolvlm-tiny')].sort());
      } finally {
        await second.close();
      }
    } finally {
      store.close();
    }
  });

  it('says downloads are not set up without a models folder, and keeps a refused token out', async () => {
    const bare = startHarness({ modelDirs: [] });
    const refusing = startHarness({
      modelDirs: [],
      downloads: downloads({
        tokenStore: {
          get: () => null,
          set: () => {
            throw new Error('the OS keychain is not available; set HF_TOKEN instead');
          },
          encrypted: true,
        },
      }),
    });
    try {
      expect(await bare.fail('catalog.get', {})).toMatchObject({
        code: 'BAD_REQUEST',
        message: expect.stringMatching(/not set up/),
      });
      expect(await bare.call('downloads.list', {})).toEqual([]);
      expect(await refusing.fail('hub.configure', { token: 'hf_x' })).toMatchObject({
        code: 'BAD_REQUEST',
        message: expect.stringMatching(/keychain/),
      });
      expect((await refusing.call('catalog.get', {})).hub.hasToken).toBe(false);
    } finally {
      await bare.close();
      await refusing.close();
    }
  });
});
