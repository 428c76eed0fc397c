/**
 * Downloads every file of a model at one pinned commit into `<modelsDir>/<owner>--<name>/`, a few files at a
 * time, and writes `.tessera-manifest.json` only once every file is present and verified. A folder without
 * a manifest (or whose files do not match it) is not a usable model.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { HubClient, type HubClientOptions, type RemoteFile, safeRelativePath } from './hub-client.ts';

export const MANIFEST = '.tessera-manifest.json';

export interface ManifestFile {
  path: string;
  size: number;
  sha256?: string;
}

export interface Manifest {
  repo: string;
  commit: string;
  files: ManifestFile[];
  downloadedAt: string;
}

export interface ModelProgress {
  bytes: number;
  total: number;
  filesDone: number;
  files: number;
}

export interface DownloadModelOptions {
  repo: string;
  revision?: string;
  modelsDir: string;
  client?: HubClient | HubClientOptions;
  /** Files downloaded at once (default 3). */
  concurrency?: number;
  signal?: AbortSignal;
  onProgress?: (progress: ModelProgress) => void;
}

export function modelDirName(repo: string): string {
  return repo.replace('/', '--');
}

export async function readManifest(dir: string): Promise<Manifest | undefined> {
  try {
    const value = JSON.parse(await readFile(join(dir, MANIFEST), 'utf8')) as Manifest;
    if (typeof value.repo !== 'string' || typeof value.commit !== 'string' || !Array.isArray(value.files)) {
      return undefined;
    }
    return value;
  } catch {
    return undefined;
  }
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Whether a folder holds a complete model: a manifest, and every file in it with its size (and hash). */
export async function isModelComplete(dir: string, options: { hash?: boolean } = {}): Promise<boolean> {
  const manifest = await readManifest(dir);
  if (!manifest || manifest.files.length === 0) return false;
  for (const file of manifest.files) {
    const path = join(dir, ...safeRelativePath(file.path).split('/'));
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile() || info.size !== file.size) return false;
    if (options.hash && file.sha256 !== undefined && (await sha256Of(path)) !== file.sha256) return false;
  }
  return true;
}

export async function downloadModel(
  options: DownloadModelOptions,
): Promise<{ dir: string; manifest: Manifest }> {
  const client = options.client instanceof HubClient ? options.client : new HubClient(options.client);
  const { repo, signal } = options;
  const snapshot = await client.snapshot(repo, options.revision ?? 'main', signal);
  const dir = join(options.modelsDir, modelDirName(repo));
  const existing = await readManifest(dir);
  if (existing?.commit === snapshot.commit && (await isModelComplete(dir)))
    return { dir, manifest: existing };
  // Another commit (or a broken install): the folder stops being a usable model until this one completes.
  await rm(join(dir, MANIFEST), { force: true });

  const files = snapshot.files;
  const total = files.reduce((sum, f) => sum + (f.size ?? 0), 0);
  const done = new Map<string, number>();
  let filesDone = 0;
  const report = () => {
    let bytes = 0;
    for (const b of done.values()) bytes += b;
    options.onProgress?.({ bytes, total, filesDone, files: files.length });
  };
  const root = resolve(dir);
  const one = async (file: RemoteFile) => {
    const dest = resolve(root, ...safeRelativePath(file.path).split('/'));
    if (!dest.startsWith(root + sep)) throw new Error(`Unsafe file name "${file.path}".`);
    await client.downloadFile(repo, snapshot.commit, file, dest, {
      ...(signal ? { signal } : {}),
      onProgress: ({ bytes }) => {
        done.set(file.path, bytes);
        report();
      },
    });
    filesDone++;
    report();
  };

  const queue = [...files];
  const failures: unknown[] = [];
  const worker = async () => {
    for (let file = queue.shift(); file && failures.length === 0; file = queue.shift()) {
      await one(file).catch((error: unknown) => failures.push(error));
    }
  };
  const workers = Math.max(1, Math.min(options.concurrency ?? 3, files.length));
  await Promise.all(Array.from({ length: workers }, worker));
  if (failures.length > 0) throw failures[0];

  const manifest: Manifest = {
    repo,
    commit: snapshot.commit,
    files: files.map((f) => {
      if (f.size === undefined) throw new Error(`The Hub did not give the size of ${f.path}.`);
      return { path: f.path, size: f.size, ...(f.sha256 ? { sha256: f.sha256 } : {}) };
    }),
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
