/**
 * The model used when none is chosen, the same on both sides (the services run it, the renderer shows it):
 * the catalog's default model when it is installed, else the smallest installed model, never one with a
 * problem (it would only fail to load). Alphabetical order would pick whichever name sorts first, which
 * may be a model far larger than the one a first run downloads.
 */
import { DEFAULT_MODEL_REPO } from './catalog.ts';
import type { ModelEntry } from './ipc/contract.ts';

type Candidate = Pick<ModelEntry, 'source' | 'bytes' | 'problem' | 'remote'>;

export function defaultModel<T extends Candidate>(models: readonly T[]): T | null {
  // A remote model is used only when chosen: its server may be far away, slow or paid for.
  const usable = models.filter((model) => model.problem === undefined && model.remote === undefined);
  const isDefault = (model: T) => model.source?.repo.toLowerCase() === DEFAULT_MODEL_REPO.toLowerCase();
  const pool = usable.some(isDefault) ? usable.filter(isDefault) : usable;
  // The first of equal sizes wins, so ties keep the list's order (by name).
  return pool.reduce<T | null>(
    (best, model) => (best === null || model.bytes < best.bytes ? model : best),
    null,
  );
}
