/**
 * The download queue against a real local hub and a real SQLite store: one model at a time, pause and
 * resume with a Range request, cancel deleting only partial files, resuming after a restart, a full disk,
 * and a speed measured over a sliding window.
 */
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DownloadJob } from '../../app/ipc/contract.ts';
import { testModelDir } from '../../models/testing/test-models.ts';
import { LocalHub } from '../hub/local-hub.ts';
import { openStore } from '../store/store.ts';
import type { Store } from '../store/types.ts';
import { isModelComplete } from './download-model.ts';
import { DownloadManager, type DownloadManagerOptions } from './manager.ts';
import { expectSameFiles, sizeOf, until } from './testing.ts';

const REPO = 'tessera-test/smolvlm-tiny';
const OTHER = 'tessera-test/smolvlm-other';
const BIG = 'onnx/decoder_model_merged.onnx';
const scratch = mkdtempSync(join(tmpdir(), 'tessera-manager-'));
let source: string;
let hub: LocalHub;
let n = 0;

interface Opened {
  manager: DownloadManager;
  store: Store;
  /** Every change, with when it arrived. */
  events: (DownloadJob & { at: number })[];
  done: string[];
  modelsDir: string;
  close(): Promise<void>;
}

function open(dataDir: string, options: Partial<DownloadManagerOptions> = {}): Opened {
  const store = openStore(dataDir);
  const events: Opened['events'] = [];
  const done: string[] = [];
  const modelsDir = join(dataDir, 'models');
  const manager = new DownloadManager({
    modelsDir,
    store,
    client: () => ({ endpoint: hub.url, backoffMs: 10, maxBackoffMs: 2000, stallMs: 2000, retries: 3 }),
    modelIdOf: (dir) => `id:${basename(dir)}`,
    onChange: (job) => events.push({ ...job, at: Date.now() }),
    onDone: (_job, dir) => done.push(dir),
    ...options,
  });
  return {
    manager,
    store,
    events,
    done,
    modelsDir,
    close: async () => {
      await manager.dispose();
      store.close();
    },
  };
}

const freshDir = () => join(scratch, `data-${n++}`);
const folder = (modelsDir: string, repo = REPO) => join(modelsDir, repo.replace('/', '--'));

const state = (o: Opened, id: string) => o.manager.get(id).state;

async function expectIdentical(dir: string): Promise<void> {
  await expectSameFiles(dir, source);
  expect(await isModelComplete(dir, { hash: true })).toBe(true);
}

beforeAll(async () => {
  source = await testModelDir({ family: 'smolvlm', size: 'tiny', dtype: 'fp32', seed: 1 });
  hub = await LocalHub.start({ [REPO]: source, [OTHER]: source });
});

afterAll(async () => {
  await hub?.close();
  rmSync(scratch, { recursive: true, force: true });
});

beforeEach(() => hub.clearFaults());

describe('DownloadManager', () => {
  it('downloads queued models one at a time, de-duplicates a repeated start, and reports done', async () => {
    const o = open(freshDir());
    try {
      hub.inject({ kind: 'slow', path: BIG, bytesPerSecond: 1_000_000 });
      const first = o.manager.start({ repo: REPO });
      const second = o.manager.start({ repo: OTHER });
      expect([first.state, second.state]).toEqual(['downloading', 'queued']);
      expect(o.manager.start({ repo: REPO }).id).toBe(first.id);
      await until(() => state(o, second.id) === 'done', 'both downloads');
      expect(state(o, first.id)).toBe('done');

      // The second one started only once the first was done.
      const at = (id: string, s: string) => o.events.findIndex((e) => e.id === id && e.state === s);
      expect(at(second.id, 'downloading')).toBeGreaterThan(at(first.id, 'done'));
      const job = o.manager.get(first.id);
      expect(job).toMatchObject({
        repo: REPO,
        revision: 'main',
        variant: 'fp32',
        commit: hub.commit(REPO),
        bytesPerSecond: 0,
        etaSeconds: null,
        error: null,
        modelId: 'id:tessera-test--smolvlm-tiny',
      });
      expect(job.bytes).toBe(job.total);
      expect(job.files.every((f) => f.done && f.bytes === f.total)).toBe(true);
      expect(o.done).toEqual([folder(o.modelsDir), folder(o.modelsDir, OTHER)]);
      await expectIdentical(folder(o.modelsDir));
      await expectIdentical(folder(o.modelsDir, OTHER));

      // A finished repo can be downloaded again (a new job); clear forgets finished ones.
      expect(o.manager.clear()).toEqual([]);
      expect(o.store.listDownloads()).toEqual([]);
      expect(() => o.manager.get(first.id)).toThrow(/No download/);
    } finally {
      await o.close();
    }
  });

  it('pauses mid-file keeping the partial file, and resumes with a Range request to identical bytes', async () => {
    const o = open(freshDir(), { speedWindowMs: 1000 });
    try {
      hub.inject({ kind: 'slow', path: BIG, bytesPerSecond: 100_000 });
      const started = Date.now();
      const job = o.manager.start({ repo: REPO });
      const partialPath = join(folder(o.modelsDir), `${BIG}.incomplete`);
      await until(() => sizeOf(partialPath) > 250_000, 'the slow file to be half there');
      const paused = o.manager.pause(job.id);
      expect(paused).toMatchObject({ state: 'paused', bytesPerSecond: 0, etaSeconds: null });
      await new Promise((r) => setTimeout(r, 200)); // the aborted transfer lets go of the file
      const partial = sizeOf(partialPath);
      expect(partial).toBeGreaterThan(250_000);
      expect(partial).toBeLessThan(statSync(join(source, BIG)).size);
      expect(o.store.listDownloads()[0]?.state).toBe('paused');

      // Speed over the last second, not since the start (which began with a burst of small files).
      const late = o.events.filter((e) => e.state === 'downloading' && e.at - started > 1500);
      expect(late.length).toBeGreaterThan(0);
      for (const e of late) {
        expect(e.bytesPerSecond).toBeGreaterThan(50_000);
        expect(e.bytesPerSecond).toBeLessThan(200_000);
        expect(e.etaSeconds).toBeGreaterThan(0);
        expect(e.etaSeconds).toBeLessThanOrEqual(Math.ceil((e.total - e.bytes) / 50_000));
      }
      // Throttled: about 4 progress events a second while bytes flow.
      const running = o.events.filter((e) => e.id === job.id && e.state === 'downloading');
      const seconds = ((running.at(-1)?.at ?? 0) - (running[0]?.at ?? 0)) / 1000;
      expect(running.length).toBeLessThanOrEqual(Math.ceil(seconds * 4) + 4);
      const bigRow = running.at(-1)?.files.find((f) => f.path === BIG);
      expect(bigRow).toMatchObject({ done: false, total: statSync(join(source, BIG)).size });

      hub.clearFaults();
      const before = hub.requests.length;
      expect(o.manager.resume(job.id).state).toBe('downloading');
      await until(() => state(o, job.id) === 'done', 'the resumed download');
      const big = hub.requests.slice(before).filter((r) => r.file === BIG && r.url.startsWith('/cdn/'));
      expect(big.map((r) => [r.status, r.range])).toEqual([[206, `bytes=${partial}-`]]);
      await expectIdentical(folder(o.modelsDir));
    } finally {
      await o.close();
    }
  });

  it('cancels: deletes the partial model, but never a complete model already in the folder', async () => {
    const o = open(freshDir());
    try {
      hub.inject({ kind: 'slow', path: BIG, bytesPerSecond: 100_000, times: 2 });
      const running = o.manager.start({ repo: REPO });
      const partialPath = join(folder(o.modelsDir), `${BIG}.incomplete`);
      await until(() => sizeOf(partialPath) > 0, 'a partial file');
      const cancelled = await o.manager.cancel(running.id);
      expect(cancelled.state).toBe('cancelled');
      expect(existsSync(folder(o.modelsDir))).toBe(false);

      // OTHER installed, then a second OTHER download queued behind a slow REPO one and cancelled.
      hub.clearFaults();
      const installed = o.manager.start({ repo: OTHER });
      await until(() => state(o, installed.id) === 'done', 'OTHER installed');
      hub.inject({ kind: 'slow', path: BIG, bytesPerSecond: 100_000 });
      const slow = o.manager.start({ repo: REPO });
      const queued = o.manager.start({ repo: OTHER, variant: 'fp32' });
      expect(queued.state).toBe('queued');
      expect((await o.manager.cancel(queued.id)).state).toBe('cancelled');
      await expectIdentical(folder(o.modelsDir, OTHER));
      await o.manager.cancel(slow.id);
      expect(await o.manager.cancel(slow.id)).toMatchObject({ state: 'cancelled' });
      await expect(o.manager.cancel(installed.id)).rejects.toThrow(/already downloaded/);

      // A cancelled download can be started over.
      hub.clearFaults();
      const again = o.manager.resume(slow.id);
      expect(again.state).toBe('downloading');
      await until(() => state(o, slow.id) === 'done', 'the restarted download');
      await expectIdentical(folder(o.modelsDir));
    } finally {
      await o.close();
    }
  });

  it('after a restart, resumes what was downloading from its partial files; paused stays paused', async () => {
    const dataDir = freshDir();
    const first = open(dataDir);
    hub.inject({ kind: 'slow', path: BIG, bytesPerSecond: 100_000 });
    const running = first.manager.start({ repo: REPO });
    const waiting = first.manager.start({ repo: OTHER });
    first.manager.pause(waiting.id);
    const partialPath = join(folder(first.modelsDir), `${BIG}.incomplete`);
    await until(() => sizeOf(partialPath) > 100_000, 'a partial file');
    await first.close();
    const partial = sizeOf(partialPath);
    expect(partial).toBeGreaterThan(100_000);
    expect(first.events.some((e) => e.state === 'failed')).toBe(false);

    hub.clearFaults();
    const before = hub.requests.length;
    const second = open(dataDir);
    try {
      expect(state(second, waiting.id)).toBe('paused');
      await until(() => state(second, running.id) === 'done', 'the resumed download');
      const big = hub.requests.slice(before).filter((r) => r.file === BIG && r.url.startsWith('/cdn/'));
      expect(big.map((r) => [r.status, r.range])).toEqual([[206, `bytes=${partial}-`]]);
      await expectIdentical(folder(second.modelsDir));
      expect(state(second, waiting.id)).toBe('paused');
    } finally {
      await second.close();
    }
  });

  it('fails with DISK_FULL when the disk is too small, and a retry succeeds once there is room', async () => {
    let free = 1000;
    const o = open(freshDir(), { freeBytes: async () => free });
    try {
      const job = o.manager.start({ repo: REPO });
      await until(() => state(o, job.id) === 'failed', 'the failure');
      const failed = o.manager.get(job.id);
      expect(failed.error?.code).toBe('DISK_FULL');
      expect(failed.error?.message).toMatch(/disk space/i);
      expect(o.store.listDownloads()[0]?.error?.code).toBe('DISK_FULL');

      free = 1e13;
      // Starting the same repo again retries the failed job rather than adding one.
      expect(o.manager.start({ repo: REPO })).toMatchObject({
        id: job.id,
        state: 'downloading',
        error: null,
      });
      await until(() => state(o, job.id) === 'done', 'the retry');
    } finally {
      await o.close();
    }
  });

  it('fails with HUB_ERROR for a repo the Hub does not have, and refuses bad ids and unknown jobs', async () => {
    const o = open(freshDir());
    try {
      const job = o.manager.start({ repo: 'tessera-test/nope' });
      await until(() => state(o, job.id) === 'failed', 'the failure');
      expect(o.manager.get(job.id).error).toMatchObject({
        code: 'HUB_ERROR',
        message: expect.stringMatching(/404/),
      });
      expect(() => o.manager.start({ repo: 'not a repo' })).toThrow(/OWNER\/NAME/);
      expect(() => o.manager.pause('nope')).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
      expect(() => o.manager.pause(job.id)).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
    } finally {
      await o.close();
    }
  });
});
