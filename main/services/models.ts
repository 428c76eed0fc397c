/**
 * Finding model folders. Each configured folder is a model (it has a config.json) or holds models one level
 * down. Folders are read again on every call, so a model copied in while the app runs shows up.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { ModelEntry } from '../../app/ipc/contract.ts';
import type { FamilyModel } from '../../models/families/family.ts';
import { bindFolder } from '../../models/families/plan-folder.ts';
import { SUPPORTED_MODEL_TYPES, familyForModelType } from '../../models/families/registry.ts';
import { ServiceError } from './errors.ts';

/**
 * A model's id: a hash of its absolute folder path. Stable while the folder stays where it is, and unique
 * even when two folders share a name (two downloads of the same repository in different places).
 */
export function modelId(dir: string): string {
  return createHash('sha256').update(resolve(dir)).digest('hex').slice(0, 16);
}

export function scanModels(dirs: readonly string[]): ModelEntry[] {
  const found = new Map<string, ModelEntry>();
  for (const dir of dirs.map((d) => resolve(d))) {
    const candidates = existsSync(join(dir, 'config.json')) ? [dir] : subfolders(dir);
    for (const candidate of candidates) {
      const entry = readEntry(candidate);
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

/** A folder's entry, or null when it is not a model Tessera can run (no config, unknown model_type). */
function readEntry(dir: string): ModelEntry | null {
  let config: Record<string, unknown>;
  try {
    config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
  } catch {
    return null;
  }
  if (!SUPPORTED_MODEL_TYPES.includes(config.model_type as string)) return null;
  const family = familyForModelType(config.model_type, join(dir, 'config.json')).name;
  const text = (config.text_config ?? {}) as Record<string, unknown>;
  // The same default as the runtime's loader (models/runtime/load.ts).
  const contextLength = Number(text.max_position_embeddings ?? 2048);
  return { id: modelId(dir), name: basename(dir), dir, family, contextLength };
}

/** Families bound to a folder's configs, kept per folder: planning reads JSON files otherwise. */
export class FamilyCache {
  private readonly bound = new Map<string, FamilyModel>();

  get(dir: string): FamilyModel {
    let family = this.bound.get(dir);
    if (!family) {
      family = bindFolder(dir);
      this.bound.set(dir, family);
    }
    return family;
  }
}

/** The model folders, read on demand, and which model a thread or the settings mean. */
export class ModelCatalog {
  constructor(private readonly dirs: readonly string[]) {}

  list(): ModelEntry[] {
    return scanModels(this.dirs);
  }

  get(id: string): ModelEntry {
    const model = this.list().find((m) => m.id === id);
    if (!model) throw new ServiceError('NOT_FOUND', `No model with id "${id}" is in the model folders.`);
    return model;
  }

  /**
   * The model a choice means: the chosen id, or with none chosen the first model found, so a fresh install
   * with one model folder works without visiting settings. Throws NO_MODEL when there is nothing to use.
   */
  resolve(chosen: string | null): ModelEntry {
    const models = this.list();
    if (chosen === null) {
      const first = models[0];
      if (!first) {
        throw new ServiceError(
          'NO_MODEL',
          `No model was found in ${this.dirs.join(', ') || 'the model folders'}. Add a model folder first.`,
        );
      }
      return first;
    }
    const model = models.find((m) => m.id === chosen);
    if (!model) {
      throw new ServiceError(
        'NO_MODEL',
        'The chosen model is no longer in the model folders (moved or deleted). Choose another one in settings.',
      );
    }
    return model;
  }
}
