/**
 * The downloader against a real local hub on 127.0.0.1 with injected faults: every fault is recovered from
 * (or fails clearly), a model is complete only when byte-identical, downloads resume (after an abort and
 * after SIGKILL) with a Range request, the per-file lock serialises two downloads of one file, and a
 * download that would not fit on the disk never starts. (Choosing a variant: variants.test.ts.)
 */
import { spawn } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Vlm } from '../../models/runtime/vlm.ts';
import { noiseImage } from '../../models/testing/images.ts';
import { testModelDir } from '../../models/testing/test-models.ts';
import { type FaultKind, LocalHub } from '../hub/local-hub.ts';
import {
  DISK_MARGIN,
  MANIFEST,
  downloadModel,
  formatBytes,
  freeDiskBytes,
  isModelComplete,
  listModels,
  removeModel,
} from './download-model.ts';
import { HubClient, type RemoteFile } from './hub-client.ts';
import { expectSameFiles, sizeOf, until } from './testing.ts';

const REPO = 'tessera-test/smolvlm-tiny';
const BIG = 'onnx/decoder_model_merged.onnx';
const CHUNK = 64 * 1024;
const bin = fileURLToPath(new URL('../../bin/tessera.mjs', import.meta.url));
const fixture = fileURLToPath(new URL('./kill-fixture.ts', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'tessera-dl-'));
let source: string;
let hub: LocalHub;
let n = 0;

const fresh = () => join(scratch, `models-${n++}`);
const options = () => ({ endpoint: hub.url, backoffMs: 10, maxBackoffMs: 2000, stallMs: 400, retries: 3 });

const expectIdentical = (dir: string) => expectSameFiles(dir, source);

async function bigFile(): Promise<RemoteFile> {
  const snapshot = await new HubClient(options()).snapshot(REPO);
  const file = snapshot.files.find((f) => f.path === BIG);
  if (!file) throw new Error('no big file');
  return file;
}

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

beforeAll(async () => {
  source = await testModelDir({ family: 'smolvlm', size: 'tiny', dtype: 'fp32', seed: 1 });
  hub = await LocalHub.start({ [REPO]: source });
});

afterAll(async () => {
  await hub?.close();
  rmSync(scratch, { recursive: true, force: true });
});

beforeEach(() => hub.clearFaults());

describe('local hub protocol', () => {
  it('pins a commit, lists files with LFS sha256, redirects with the Hub headers and serves ranges', async () => {
    const api = (await (await fetch(`${hub.url}/api/models/${REPO}/revision/main?blobs=true`)).json()) as {
      sha: string;
      siblings: { rfilename: string; lfs: { size: number } }[];
    };
    expect(api.sha).toMatch(/^[0-9a-f]{40}$/);
    expect(api.siblings.find((s) => s.rfilename === BIG)?.lfs.size).toBe(statSync(join(source, BIG)).size);
    const head = await fetch(`${hub.url}/${REPO}/resolve/main/${BIG}`, {
      method: 'HEAD',
      redirect: 'manual',
    });
    expect(head.status).toBe(302);
    expect(head.headers.get('x-repo-commit')).toBe(api.sha);
    expect(head.headers.get('x-linked-etag')).toMatch(/^"[0-9a-f]{64}"$/);
    expect(head.headers.get('x-linked-size')).toBe(String(statSync(join(source, BIG)).size));
    const part = await fetch(`${hub.url}/${REPO}/resolve/main/${BIG}`, { headers: { Range: 'bytes=10-19' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toMatch(/^bytes 10-19\/\d+$/);
    expect(
      Buffer.from(await part.arrayBuffer()).equals(readFileSync(join(source, BIG)).subarray(10, 20)),
    ).toBe(true);
  });
});

describe('downloadModel', () => {
  it('downloads a byte-identical model and marks it complete', async () => {
    const dir = (await downloadModel({ repo: REPO, modelsDir: fresh(), client: options() })).dir;
    await expectIdentical(dir);
    expect(await isModelComplete(dir, { hash: true })).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, MANIFEST), 'utf8')).commit).toBe(hub.commit(REPO));
  });

  const recoverable: { kind: FaultKind; status?: number }[] = [
    { kind: 'reset' },
    { kind: 'stall' },
    { kind: 'status', status: 500 },
    { kind: 'status', status: 503 },
    { kind: 'rate-limit' },
    { kind: 'corrupt' },
    { kind: 'truncate' },
    { kind: 'slow' },
  ];
  for (const fault of recoverable) {
    it(`recovers from ${fault.kind}${fault.status ? ` ${fault.status}` : ''}`, async () => {
      const before = hub.requests.length;
      hub.inject({ ...fault, path: BIG, times: fault.kind === 'slow' ? 1 : 2, bytesPerSecond: 400_000 });
      const { dir } = await downloadModel({ repo: REPO, modelsDir: fresh(), client: options() });
      const seen = hub.requests.slice(before).filter((r) => r.file === BIG);
      expect(seen.filter((r) => r.fault === fault.kind).length).toBe(fault.kind === 'slow' ? 1 : 2);
      await expectIdentical(dir);
      expect(await isModelComplete(dir, { hash: true })).toBe(true);
      if (fault.kind === 'rate-limit') {
        const limited = seen.findIndex((r) => r.status === 429);
        expect((seen[limited + 1]?.at ?? 0) - (seen[limited]?.at ?? 0)).toBeGreaterThanOrEqual(950);
      }
    });
  }

  it('restarts from zero when the server ignores Range', async () => {
    const before = hub.requests.length;
    // Cut with a clean close, not a reset: a TCP reset may discard bytes the client has not read yet, and
    // then there is nothing to resume from (and no Range to ignore) on a busy machine.
    hub.inject({ kind: 'truncate', path: BIG, afterBytes: 100_000 });
    hub.inject({ kind: 'ignore-range', path: BIG });
    const { dir } = await downloadModel({ repo: REPO, modelsDir: fresh(), client: options() });
    const cdn = hub.requests.slice(before).filter((r) => r.file === BIG && r.url.startsWith('/cdn/'));
    expect(cdn.map((r) => [r.status, r.range, r.fault])).toEqual([
      [200, undefined, 'truncate'],
      [200, 'bytes=100000-', 'ignore-range'],
    ]);
    await expectIdentical(dir);
  });

  it('fails with a clear error after retries on a permanent 500, and leaves no usable model', async () => {
    hub.inject({ kind: 'status', status: 500, path: BIG, times: Infinity });
    const modelsDir = fresh();
    await expect(downloadModel({ repo: REPO, modelsDir, client: options() })).rejects.toThrow(
      /answered 500 .*gave up after 4 attempts/,
    );
    expect(await isModelComplete(join(modelsDir, 'tessera-test--smolvlm-tiny'))).toBe(false);
  });

  it('never installs bytes that keep failing their sha256 check', async () => {
    hub.inject({ kind: 'corrupt', path: BIG, times: Infinity });
    const modelsDir = fresh();
    await expect(downloadModel({ repo: REPO, modelsDir, client: options() })).rejects.toThrow(/sha256/);
    const dir = join(modelsDir, 'tessera-test--smolvlm-tiny');
    expect(existsSync(join(dir, BIG))).toBe(false);
    expect(existsSync(join(dir, MANIFEST))).toBe(false);
    expect(await isModelComplete(dir)).toBe(false);
  });

  it('says a model whose file was damaged after install is not complete', async () => {
    const { dir } = await downloadModel({ repo: REPO, modelsDir: fresh(), client: options() });
    const bytes = readFileSync(join(dir, BIG));
    bytes[5] = (bytes[5] ?? 0) ^ 1;
    writeFileSync(join(dir, BIG), bytes);
    expect(await isModelComplete(dir)).toBe(true); // sizes only
    expect(await isModelComplete(dir, { hash: true })).toBe(false);
    writeFileSync(join(dir, BIG), bytes.subarray(1));
    expect(await isModelComplete(dir)).toBe(false);
  });
});

describe('resume and locking', () => {
  it('resumes an aborted download with a Range request from the partial size', async () => {
    const file = await bigFile();
    const dest = join(fresh(), 'decoder.onnx');
    hub.inject({ kind: 'slow', path: BIG, bytesPerSecond: 100_000 });
    const controller = new AbortController();
    const client = new HubClient(options());
    const first = client.downloadFile(REPO, hub.commit(REPO), file, dest, { signal: controller.signal });
    await until(() => sizeOf(`${dest}.incomplete`) > 30_000, 'a partial file', 20_000);
    controller.abort(new Error('cancelled'));
    await expect(first).rejects.toThrow('cancelled');
    const partial = sizeOf(`${dest}.incomplete`);
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(file.size ?? 0);
    const before = hub.requests.length;
    await client.downloadFile(REPO, hub.commit(REPO), file, dest);
    const cdn = hub.requests.slice(before).filter((r) => r.url.startsWith('/cdn/'));
    expect(cdn.map((r) => [r.status, r.range])).toEqual([[206, `bytes=${partial}-`]]);
    expect(readFileSync(dest).equals(readFileSync(join(source, BIG)))).toBe(true);
    expect(existsSync(`${dest}.incomplete`)).toBe(false);
  });

  it('resumes after the downloading process is killed, re-fetching less than one chunk', async () => {
    const file = await bigFile();
    const dest = join(fresh(), 'decoder.onnx');
    const args = (d: string) => [
      '--import',
      'tsx',
      fixture,
      hub.url,
      REPO,
      hub.commit(REPO),
      BIG,
      String(file.size),
      file.sha256 ?? '',
      d,
    ];
    hub.inject({ kind: 'slow', path: BIG, bytesPerSecond: 64 * 1024, times: Infinity });
    const servedBefore = hub.bytesServed(BIG);
    const child = spawn(process.execPath, args(dest), { stdio: 'ignore' });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    await until(() => sizeOf(`${dest}.incomplete`) > 100_000, 'a partial file', 20_000);
    child.kill('SIGKILL');
    await exited;
    const partial = sizeOf(`${dest}.incomplete`);
    expect(partial).toBeLessThan(file.size ?? 0);
    expect(existsSync(`${dest}.lock`)).toBe(true); // left behind by the killed process
    hub.clearFaults();
    const before = hub.requests.length;
    const second = await run(args(dest));
    expect(second.stderr).toBe('');
    expect(second.code).toBe(0);
    const cdn = hub.requests.slice(before).filter((r) => r.url.startsWith('/cdn/'));
    expect(cdn.map((r) => r.range)).toEqual([`bytes=${partial}-`]);
    const refetched = hub.bytesServed(BIG) - servedBefore - (file.size ?? 0);
    expect(refetched).toBeGreaterThanOrEqual(0);
    expect(refetched).toBeLessThan(CHUNK);
    expect(readFileSync(dest).equals(readFileSync(join(source, BIG)))).toBe(true);
    expect(existsSync(`${dest}.lock`)).toBe(false);
  });

  it('serialises two concurrent downloads of the same file', async () => {
    const file = await bigFile();
    const dest = join(fresh(), 'decoder.onnx');
    hub.inject({ kind: 'slow', path: BIG, bytesPerSecond: 1_000_000 });
    const served = hub.bytesServed(BIG);
    await Promise.all([
      new HubClient(options()).downloadFile(REPO, hub.commit(REPO), file, dest),
      new HubClient(options()).downloadFile(REPO, hub.commit(REPO), file, dest),
    ]);
    expect(hub.bytesServed(BIG) - served).toBe(file.size);
    expect(readFileSync(dest).equals(readFileSync(join(source, BIG)))).toBe(true);
  });

  it('waits for a lock file held by another live process', async () => {
    const file = await bigFile();
    const dir = fresh();
    const dest = join(dir, 'decoder.onnx');
    await new HubClient(options()).snapshot(REPO); // warm-up
    mkdirSync(dir, { recursive: true });
    writeFileSync(`${dest}.lock`, String(process.ppid)); // a live process that is not us
    const before = hub.requests.length;
    const download = new HubClient(options()).downloadFile(REPO, hub.commit(REPO), file, dest);
    await new Promise((r) => setTimeout(r, 400));
    expect(hub.requests.length).toBe(before);
    rmSync(`${dest}.lock`);
    await download;
    expect(readFileSync(dest).equals(readFileSync(join(source, BIG)))).toBe(true);
  });
});

describe('tessera pull / models / rm', () => {
  it('pulls from the local hub, lists the model as verified, and the engine answers with it', async () => {
    const modelsDir = fresh();
    const pull = await run([bin, 'pull', `${REPO}@main`, '--endpoint', hub.url, '--models-dir', modelsDir]);
    expect(pull.stderr).toMatch(/100\.0% .* MB\/s ETA/);
    expect(pull.code).toBe(0);
    expect(pull.stdout).toContain(`Pulled ${REPO}@${hub.commit(REPO).slice(0, 12)} (fp32)`);
    const models = await run([bin, 'models', '--models-dir', modelsDir]);
    expect(models.code).toBe(0);
    expect(models.stdout).toMatch(/tessera-test--smolvlm-tiny\s+[0-9a-f]{12}\s+fp32\s+[\d.]+ MB\s+yes/);

    const dir = join(modelsDir, 'tessera-test--smolvlm-tiny');
    await expectIdentical(dir);
    const vlm = await Vlm.load(dir, { device: 'cpu', dtype: 'fp32' });
    try {
      const photo = await noiseImage(120, 90, 3);
      const result = await vlm.generate(
        {
          messages: [
            {
              role: 'user',
              content: [
                { type: 'image', data: photo },
                { type: 'text', text: 'What is this?' },
              ],
            },
          ],
          sampling: { maxTokens: 6, ignoreEos: true },
        },
        () => {},
      );
      expect(result.tokenIds).toHaveLength(6);
    } finally {
      await vlm.dispose();
    }

    const rm = await run([bin, 'rm', REPO, '--models-dir', modelsDir]);
    expect(rm.code).toBe(0);
    expect(await listModels(modelsDir)).toEqual([]);
    await expect(removeModel(modelsDir, REPO)).rejects.toThrow(/No model/);
  });

  it('exits non-zero with a one-line error', async () => {
    const missing = await run([
      bin,
      'pull',
      'tessera-test/nope',
      '--endpoint',
      hub.url,
      '--models-dir',
      fresh(),
    ]);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toMatch(/^tessera pull: .*not found/);
    const bad = await run([bin, 'pull', 'not a repo']);
    expect(bad.code).not.toBe(0);
    const rm = await run([bin, 'rm', 'nothing', '--models-dir', fresh()]);
    expect(rm.code).toBe(1);
  });
});

describe('disk space', () => {
  it('refuses to start on a full disk, with the sizes, and fetches nothing', async () => {
    const before = hub.requests.length;
    const modelsDir = fresh();
    const asked: string[] = [];
    const attempt = downloadModel({
      repo: REPO,
      modelsDir,
      client: options(),
      freeBytes: async (dir) => {
        asked.push(dir);
        return 10e6;
      },
    });
    await expect(attempt).rejects.toMatchObject({ code: 'DISK_FULL' });
    await expect(attempt).rejects.toThrow(
      new RegExp(
        `^Not enough disk space in ${modelsDir}: the model needs 6\\d\\.\\d MB more, 10\\.0 MB is free\\. ` +
          'Free some space or choose another models folder\\.$',
      ),
    );
    expect(asked[0]).toBe(modelsDir);
    expect(hub.requests.slice(before).filter((r) => r.url.startsWith('/cdn/'))).toEqual([]);
  });

  it('counts only the bytes still to fetch: complete files and partial ones are already there', async () => {
    const modelsDir = fresh();
    const dir = join(modelsDir, 'tessera-test--smolvlm-tiny');
    mkdirSync(join(dir, 'onnx'), { recursive: true });
    const have = 100_000;
    writeFileSync(join(dir, `${BIG}.incomplete`), readFileSync(join(source, BIG)).subarray(0, have));
    copyFileSync(join(source, 'tokenizer.json'), join(dir, 'tokenizer.json'));
    const total = readdirSyncFiles(source).reduce((sum, f) => sum + statSync(join(source, f)).size, 0);
    const needed = total - have - statSync(join(source, 'tokenizer.json')).size;
    const tryWith = (free: number) =>
      downloadModel({ repo: REPO, modelsDir, client: options(), freeBytes: async () => free });
    await expect(tryWith(needed + DISK_MARGIN - 1)).rejects.toMatchObject({ code: 'DISK_FULL' });
    const before = hub.requests.length;
    await tryWith(needed + DISK_MARGIN);
    const big = hub.requests.slice(before).filter((r) => r.url.startsWith('/cdn/') && r.file === BIG);
    expect(big.map((r) => r.range)).toEqual([`bytes=${have}-`]);
    await expectIdentical(dir);
  });

  it('reads free space from the nearest folder that exists, and prints sizes as people read them', async () => {
    expect(await freeDiskBytes(join(scratch, 'not', 'yet', 'made'))).toBeGreaterThan(0);
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(300e6)).toBe('300.0 MB');
    expect(formatBytes(1.23e9)).toBe('1.2 GB');
  });
});

function readdirSyncFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (at: string) => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const path = join(at, entry.name);
      if (entry.isDirectory()) walk(path);
      else out.push(relative(dir, path).split(sep).join('/'));
    }
  };
  walk(dir);
  return out.sort();
}
