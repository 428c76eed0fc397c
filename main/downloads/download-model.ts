/**
 * Downloads one variant of a model (its graphs plus the shared configs, see variants.ts) at one pinned
 * commit into `<modelsDir>/<owner>--<name>/`, a few files at a time, after checking there is room for it.
 * `.tessera-manifest.json` is written only once every file is present and verified: a folder without a
 * manifest (or whose files do not match it) is not a usable model.
 */
import { readdir, rename, rm, stat, statfs, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { TesseraError } from '../../app/errors.ts';
import { readBounded } from '../../models/files/bounded-read.ts';
import {
  HubClient,
  type HubClientOptions,
  type RemoteFile,
  safeRelativePath,
  verifiable,
} from './hub-client.ts';
import { gitBlobIdOfFile, sha256OfFile } from './sha256.ts';
import { modulesFor, planVariant } from './variants.ts';

export const MANIFEST = '.tessera-manifest.json';
/** Room left free beyond the download itself, for the manifest, logs and whatever else is writing. */
export const DISK_MARGIN = 64 * 1024 * 1024;

export interface ManifestFile {
  path: string;
  size: number;
  /** An LFS file's sha256. */
  sha256?: string;
  /** A git file's blob id (absent in manifests written before small files were verified). */
  blobId?: string;
}

export interface Manifest {
  repo: string;
  commit: string;
  /** The dtype downloaded; absent in manifests written before variants existed (the whole repo). */
  variant?: string;
  files: ManifestFile[];
  downloadedAt: string;
}

export interface FileProgress {
  path: string;
  bytes: number;
  total: number;
  done: boolean;
}

export interface ModelProgress {
  bytes: number;
  total: number;
  filesDone: number;
  files: number;
  /** One entry per planned file; the same array (and objects) on every call, updated in place. */
  perFile: FileProgress[];
}

export interface DownloadPlan {
  commit: string;
  variant: string;
  files: { path: string; size: number }[];
}

export interface DownloadModelOptions {
  repo: string;
  revision?: string;
  /** A dtype (q4, q8, fp16, fp32, q4f16, …); default: the first complete one of q4, q8, fp32, fp16, q4f16. */
  variant?: string;
  modelsDir: string;
  client?: HubClient | HubClientOptions;
  /** Files downloaded at once (default 3). */
  concurrency?: number;
  signal?: AbortSignal;
  /** Called once the commit and files are known, before any byte is fetched. */
  onPlan?: (plan: DownloadPlan) => void | Promise<void>;
  onProgress?: (progress: ModelProgress) => void;
  /** Free bytes where `dir` lives (default: statfs); a test can stand in a full disk. */
  freeBytes?: (dir: string) => Promise<number>;
}

export function modelDirName(repo: string): string {
  return repo.replace('/', '--');
}

export async function readManifest(dir: string): Promise<Manifest | undefined> {
  try {
    const value = JSON.parse(
      (await readBounded(join(dir, MANIFEST), 'manifest')).toString('utf8'),
    ) as Manifest;
    if (typeof value.repo !== 'string' || typeof value.commit !== 'string' || !Array.isArray(value.files)) {
      return undefined;
    }
    if (typeof value.variant !== 'string') delete value.variant;
    return value;
  } catch {
    return undefined;
  }
}

/** Whether a folder holds a complete model: a manifest, and every file in it with its size (and hashes). */
export async function isModelComplete(dir: string, options: { hash?: boolean } = {}): Promise<boolean> {
  const manifest = await readManifest(dir);
  if (!manifest || manifest.files.length === 0) return false;
  for (const file of manifest.files) {
    const path = join(dir, ...safeRelativePath(file.path).split('/'));
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile() || info.size !== file.size) return false;
    if (!options.hash) continue;
    if (file.sha256 !== undefined && (await sha256OfFile(path)) !== file.sha256) return false;
    if (file.blobId !== undefined && (await gitBlobIdOfFile(path, file.size)) !== file.blobId) return false;
  }
  return true;
}

/** Free bytes on the file system holding `dir`, or its nearest existing ancestor (it may not exist yet). */
export async function freeDiskBytes(dir: string): Promise<number> {
  for (let at = resolve(dir); ; at = dirname(at)) {
    try {
      const info = await statfs(at);
      return info.bavail * info.bsize;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || dirname(at) === at) throw error;
    }
  }
}

/** 1.2 GB, 300 MB, 12 kB: decimal units, like the sizes the Hub shows. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** Bytes still to fetch: complete files count as done, and so do the bytes of partial `.incomplete` files. */
async function bytesToFetch(root: string, files: readonly { path: string; size: number }[]): Promise<number> {
  let sum = 0;
  for (const file of files) {
    const dest = join(root, ...file.path.split('/'));
    if ((await stat(dest).catch(() => undefined))?.size === file.size) continue;
    const partial = (await stat(`${dest}.incomplete`).catch(() => undefined))?.size ?? 0;
    sum += Math.max(0, file.size - partial);
  }
  return sum;
}

/**
 * Graphs, external data and partial files under onnx/ of a variant other than the one planned, except a
 * file another download is writing right now (it holds `<file>.lock`).
 */
async function removeOtherGraphs(root: string, keep: ReadonlySet<string>): Promise<void> {
  const entries = await readdir(join(root, 'onnx')).catch(() => [] as string[]);
  for (const name of entries) {
    const base = name.replace(/\.incomplete$/, '');
    if (
      !/\.onnx(_data(_\d+)?)?$/.test(base) ||
      keep.has(`onnx/${base}`) ||
      entries.includes(`${base}.lock`)
    ) {
      continue;
    }
    await rm(join(root, 'onnx', name), { force: true });
  }
}

export async function downloadModel(
  options: DownloadModelOptions,
): Promise<{ dir: string; manifest: Manifest }> {
  const client = options.client instanceof HubClient ? options.client : new HubClient(options.client);
  const { repo, signal } = options;
  const snapshot = await client.snapshot(repo, options.revision ?? 'main', signal);
  const plan = planVariant(snapshot.files, options.variant, modulesFor(repo), repo);
  // Before any byte: a file without a size or a hash could not be verified, so the model never would be.
  const files = plan.files.map((f) => verifiable(f, repo));
  await options.onPlan?.({
    commit: snapshot.commit,
    variant: plan.variant,
    files: files.map(({ path, size }) => ({ path, size })),
  });
  const dir = join(options.modelsDir, modelDirName(repo));
  const existing = await readManifest(dir);
  if (
    existing?.commit === snapshot.commit &&
    existing.variant === plan.variant &&
    (await isModelComplete(dir))
  )
    return { dir, manifest: existing };

  const root = resolve(dir);
  const needed = await bytesToFetch(root, files);
  if (needed > 0) {
    const free = await (options.freeBytes ?? freeDiskBytes)(options.modelsDir);
    if (free < needed + DISK_MARGIN) {
      throw new TesseraError(
        'DISK_FULL',
        `Not enough disk space in ${options.modelsDir}: the model needs ${formatBytes(needed + DISK_MARGIN)} ` +
          `more, ${formatBytes(free)} is free. Free some space or choose another models folder.`,
      );
    }
  }
  // Another commit or variant (or a broken install): the folder stops being a usable model until this one
  // completes. Shared files (configs, tokenizer) that match are kept: downloadFile verifies and skips them.
  await rm(join(dir, MANIFEST), { force: true });

  const total = files.reduce((sum, f) => sum + f.size, 0);
  const perFile: FileProgress[] = files.map((f) => ({ path: f.path, bytes: 0, total: f.size, done: false }));
  let filesDone = 0;
  const report = () => {
    let bytes = 0;
    for (const f of perFile) bytes += f.bytes;
    options.onProgress?.({ bytes, total, filesDone, files: files.length, perFile });
  };
  const one = async (file: RemoteFile, progress: FileProgress) => {
    const dest = resolve(root, ...safeRelativePath(file.path).split('/'));
    if (!dest.startsWith(root + sep)) throw new Error(`Unsafe file name "${file.path}".`);
    await client.downloadFile(repo, snapshot.commit, file, dest, {
      ...(signal ? { signal } : {}),
      onProgress: ({ bytes }) => {
        progress.bytes = bytes;
        report();
      },
    });
    progress.bytes = progress.total;
    progress.done = true;
    filesDone++;
    report();
  };

  const queue = files.map((file, i) => ({ file, progress: perFile[i] as FileProgress }));
  const failures: unknown[] = [];
  const worker = async () => {
    for (let next = queue.shift(); next && failures.length === 0; next = queue.shift()) {
      await one(next.file, next.progress).catch((error: unknown) => failures.push(error));
    }
  };
  const workers = Math.max(1, Math.min(options.concurrency ?? 3, files.length));
  await Promise.all(Array.from({ length: workers }, worker));
  if (failures.length > 0) throw failures[0];

  // The folder holds one variant, so the runtime cannot pick up graphs of another one. Top-level files the
  // new commit no longer lists are left alone: they are small, and nothing reads a file it does not know.
  await removeOtherGraphs(root, new Set(files.map((f) => f.path)));
  const manifest: Manifest = {
    repo,
    commit: snapshot.commit,
    variant: plan.variant,
    files: files.map((f) => ({
      path: f.path,
      size: f.size,
      ...(f.sha256 !== undefined ? { sha256: f.sha256 } : {}),
      ...(f.blobId !== undefined ? { blobId: f.blobId } : {}),
    })),
    downloadedAt: new Date().toISOString(),
  };
  const temp = join(dir, `${MANIFEST}.tmp-${process.pid}`);
  await writeFile(temp, JSON.stringify(manifest, null, 2));
  await rename(temp, join(dir, MANIFEST));
  return { dir, manifest };
}

export interface InstalledModel {
  name: string;
  dir: string;
  repo?: string;
  commit?: string;
  variant?: string;
  bytes: number;
  complete: boolean;
}

async function folderBytes(dir: string): Promise<number> {
  let sum = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) sum += await folderBytes(path);
    else if (entry.isFile()) sum += (await stat(path)).size;
  }
  return sum;
}

/** The folders under `modelsDir` (complete or not), with their size on disk. */
export async function listModels(
  modelsDir: string,
  options: { hash?: boolean } = {},
): Promise<InstalledModel[]> {
  const entries = await readdir(modelsDir, { withFileTypes: true }).catch(() => []);
  const out: InstalledModel[] = [];
  for (const entry of entries.filter((e) => e.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
    const dir = join(modelsDir, entry.name);
    const manifest = await readManifest(dir);
    out.push({
      name: entry.name,
      dir,
      ...(manifest ? { repo: manifest.repo, commit: manifest.commit } : {}),
      ...(manifest?.variant ? { variant: manifest.variant } : {}),
      bytes: await folderBytes(dir),
      complete: await isModelComplete(dir, options),
    });
  }
  return out;
}

/** Deletes an installed model (by folder name or repo id), partial files included. */
export async function removeModel(modelsDir: string, model: string): Promise<string> {
  const name = model.includes('/') ? modelDirName(model) : model;
  if (!/^[\w.-]+$/.test(name) || name === '.' || name === '..')
    throw new Error(`"${model}" is not a model name.`);
  const dir = join(modelsDir, name);
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) throw new Error(`No model "${model}" in ${modelsDir}.`);
  await rm(dir, { recursive: true, force: true });
  return dir;
}
