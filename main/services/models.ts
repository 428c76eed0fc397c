/**
 * Finding model folders. Each configured folder is a model (it has a config.json) or holds models one level
 * down. Folders are read again on every call, so a model copied in while the app runs shows up. A folder
 * with Tessera's download manifest is listed only when its files match the manifest (sizes, not hashes),
 * and a manifest-less folder in the downloads folder with partial files is a download still going on.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { defaultModel } from '../../app/default-model.ts';
import type { ModelEntry } from '../../app/ipc/contract.ts';
import { isRemoteModelId } from '../../app/remote.ts';
import type { FamilyGeometry } from '../../models/families/family.ts';
import { bindFolder } from '../../models/families/plan-folder.ts';
import { SUPPORTED_MODEL_TYPES, familyForModelType } from '../../models/families/registry.ts';
import { TesseraError, isTesseraError } from '../../models/errors.ts';
import { contextLengthOf } from '../../models/files/config-values.ts';
import { readJsonObjectSync } from '../../models/files/json-file.ts';
import { modelFolderProblem } from '../../models/runtime/folder-problem.ts';

/** Written by the downloader (main/downloads/download-model.ts) once every file is in place. */
const MANIFEST = '.tessera-manifest.json';

interface Manifest {
  repo: string;
  commit: string;
  variant?: string;
  files: { path: string; size: number }[];
}

/**
 * A model's id: a hash of its absolute folder path. Stable while the folder stays where it is, and unique
 * even when two folders share a name (two downloads of the same repository in different places).
 */
export function modelId(dir: string): string {
  return createHash('sha256').update(resolve(dir)).digest('hex').slice(0, 16);
}

export interface ScanOptions {
  /** Where Tessera downloads models: its folders with a manifest are removable. */
  managedDir?: string;
  /** Folders an unfinished download writes into: never listed. */
  busy?: (dir: string) => boolean;
  /** Sizes on disk, kept between scans. */
  sizes?: SizeCache;
}

export function scanModels(dirs: readonly string[], options: ScanOptions = {}): ModelEntry[] {
  const found = new Map<string, ModelEntry>();
  for (const dir of dirs.map((d) => resolve(d))) {
    const candidates = existsSync(join(dir, 'config.json')) ? [dir] : subfolders(dir);
    for (const candidate of candidates) {
      const entry = readEntry(candidate, options);
      if (entry && !found.has(entry.id)) found.set(entry.id, entry);
    }
  }
  return [...found.values()].sort((a, b) => a.name.localeCompare(b.name) || a.dir.localeCompare(b.dir));
}

function subfolders(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => !name.startsWith('.'));
  } catch {
    return []; // A configured folder that does not exist (yet) holds no models.
  }
  // statSync follows symbolic links: a linked model folder counts.
  return names
    .map((name) => join(dir, name))
    .filter((path) => statSync(path, { throwIfNoEntry: false })?.isDirectory());
}

/** The manifest, or null when there is none or it is not one (a hand-edited, half-written or huge file). */
function readManifest(dir: string): Manifest | null {
  try {
    const value = readJsonObjectSync(join(dir, MANIFEST), 'manifest') as Partial<Manifest>;
    if (typeof value.repo !== 'string' || typeof value.commit !== 'string' || !Array.isArray(value.files))
      return null;
    return value as Manifest;
  } catch {
    return null;
  }
}

/** Every file of the manifest is there with its size (hashing is `tessera models`' job, not a listing's). */
function matchesManifest(dir: string, manifest: Manifest): boolean {
  if (manifest.files.length === 0) return false;
  return manifest.files.every((file) => {
    const parts = typeof file.path === 'string' ? file.path.split('/') : [];
    if (parts.length === 0 || parts.some((p) => p === '' || p === '.' || p === '..')) return false;
    const info = statSync(join(dir, ...parts), { throwIfNoEntry: false });
    return info?.isFile() === true && info.size === file.size;
  });
}

/** Whether a download left partial files here (`*.incomplete`, at the top or one folder down). */
function hasPartialFiles(dir: string, depth = 1): boolean {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return false;
  }
  return entries.some(
    (e) =>
      (e.isFile() && e.name.endsWith('.incomplete')) ||
      (depth > 0 && e.isDirectory() && hasPartialFiles(join(dir, e.name), depth - 1)),
  );
}

/**
 * A folder's entry, or null when it is not a model Tessera can run (no config, unknown model_type). A model
 * that cannot run as it is (an LFS pointer, a config too large or with bad values) is listed with its problem.
 */
function readEntry(dir: string, options: ScanOptions): ModelEntry | null {
  const managed = options.managedDir !== undefined && dirname(dir) === resolve(options.managedDir);
  const manifest = readManifest(dir);
  if (manifest ? !matchesManifest(dir, manifest) : managed && (options.busy?.(dir) || hasPartialFiles(dir)))
    return null; // A download in progress, paused or broken: not a usable model.
  let config: Record<string, unknown> | null = null;
  try {
    config = readJsonObjectSync(join(dir, 'config.json'), 'config');
  } catch (error) {
    if (!isTesseraError(error)) return null; // gone or unreadable: not a model here
  }
  if (config && !SUPPORTED_MODEL_TYPES.includes(config.model_type as string)) return null;
  const problem = modelFolderProblem(dir);
  return {
    id: modelId(dir),
    // A download is named after its repo ("SmolVLM-256M-Instruct"), a folder the user added after the folder.
    name: manifest ? (manifest.repo.split('/').pop() ?? basename(dir)) : basename(dir),
    dir,
    family: config ? familyForModelType(config.model_type, join(dir, 'config.json')).name : 'unknown',
    // The same default as the runtime's loader; 0 where the config cannot say.
    contextLength: config && !problem ? contextLengthOf(config) : 0,
    source: manifest
      ? { repo: manifest.repo, commit: manifest.commit, variant: manifest.variant ?? null }
      : null,
    bytes: (options.sizes ?? new SizeCache()).bytes(dir),
    removable: managed && manifest !== null,
    ...(problem ? { problem } : {}),
  };
}

/**
 * Folder sizes, kept per folder until its manifest (or, without one, the folder itself) changes, so listing
 * models does not walk every file each time.
 */
export class SizeCache {
  private readonly sizes = new Map<string, { key: number; bytes: number }>();

  bytes(dir: string): number {
    const stamp = statSync(join(dir, MANIFEST), { throwIfNoEntry: false }) ?? statSync(dir);
    const cached = this.sizes.get(dir);
    if (cached?.key === stamp.mtimeMs) return cached.bytes;
    const bytes = folderBytes(dir);
    this.sizes.set(dir, { key: stamp.mtimeMs, bytes });
    return bytes;
  }
}

function folderBytes(dir: string): number {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0; // Gone while we walked: it holds nothing.
  }
  let sum = 0;
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) sum += folderBytes(path);
    else if (entry.isFile()) sum += statSync(path, { throwIfNoEntry: false })?.size ?? 0;
  }
  return sum;
}

/** Families bound to a folder's configs, kept per folder: planning reads JSON files otherwise. */
export class FamilyCache {
  private readonly bound = new Map<string, FamilyGeometry>();

  get(dir: string): FamilyGeometry {
    let family = this.bound.get(dir);
    if (!family) {
      family = bindFolder(dir);
      this.bound.set(dir, family);
    }
    return family;
  }

  /** Drops a folder's family (its model was deleted; a new download there may differ). */
  forget(dir: string): void {
    this.bound.delete(dir);
  }
}

export interface CatalogOptions extends Omit<ScanOptions, 'sizes'> {
  /** The folders to scan, read on every listing (folders the user adds show up at once). */
  dirs: () => readonly string[];
  /** A problem found by running the model (the engine hung on one of its files), beside the scan's own. */
  runProblem?: (dir: string) => string | null;
  /** The remote servers' models, listed after the local ones (`local` lets them borrow a family by name). */
  remote?: (local: readonly ModelEntry[]) => ModelEntry[];
}

/** The model folders, read on demand, and which model a thread or the settings mean. */
export class ModelCatalog {
  private readonly options: CatalogOptions;
  private readonly sizes = new SizeCache();

  constructor(dirs: readonly string[] | CatalogOptions) {
    this.options = Array.isArray(dirs) ? { dirs: () => dirs } : (dirs as CatalogOptions);
  }

  private get dirs(): readonly string[] {
    return this.options.dirs();
  }

  list(): ModelEntry[] {
    const local = this.listLocal();
    return this.options.remote ? [...local, ...this.options.remote(local)] : local;
  }

  /** The model folders' models alone. */
  listLocal(): ModelEntry[] {
    const entries = scanModels(this.dirs, { ...this.options, sizes: this.sizes });
    const runProblem = this.options.runProblem;
    if (!runProblem) return entries;
    return entries.map((entry) => {
      const problem = entry.problem ?? runProblem(entry.dir);
      return problem ? { ...entry, problem } : entry;
    });
  }

  /** The entry of one model folder (listed or not), or null when it is not a model Tessera can run. */
  read(dir: string): ModelEntry | null {
    return readEntry(resolve(dir), { ...this.options, sizes: this.sizes });
  }

  get(id: string): ModelEntry {
    const model = this.list().find((m) => m.id === id);
    if (!model) throw new TesseraError('NOT_FOUND', `No model with id "${id}" is in the model folders.`);
    return model;
  }

  /**
   * The model a choice means: the chosen id, or with none chosen the default (`app/default-model.ts`: the
   * catalog's default model if installed, else the smallest that can run), so a fresh install works without
   * visiting settings. Throws NO_MODEL when there is nothing to use.
   */
  resolve(chosen: string | null): ModelEntry {
    const models = this.list();
    if (chosen === null) {
      const first = defaultModel(models);
      if (!first) {
        const broken = models[0]?.problem;
        throw new TesseraError(
          'NO_MODEL',
          broken
            ? `No model in the model folders can run now: ${broken}`
            : `No model was found in ${this.dirs.join(', ') || 'the model folders'}. Add a model folder first.`,
        );
      }
      return first;
    }
    const model = models.find((m) => m.id === chosen);
    if (!model) {
      throw new TesseraError(
        'NO_MODEL',
        isRemoteModelId(chosen)
          ? 'The chosen remote model is no longer listed (its server was removed, or no longer lists it). Choose another model.'
          : 'The chosen model is no longer in the model folders (moved or deleted). Choose another one in settings.',
      );
    }
    return model;
  }
}
