/**
 * The installed models as the API names them: `id` is the name the app shows. Two models of one name (two
 * variants of a repo, a download and a copied folder) get the variant, then a part of Tessera's own id, as a
 * suffix; the listing is sorted by name and folder, so the same folders always give the same ids.
 */
import { statSync } from 'node:fs';
import type { ModelEntry } from '../../app/ipc/contract.ts';
import { familyOfFolder } from '../../models/families/plan-folder.ts';
import type { ModelObject } from './schemas.ts';
import { ApiError } from './errors.ts';

export interface ApiModel {
  id: string;
  entry: ModelEntry;
}

/** Models that can run now (none with a known problem), each with its API id. */
export function apiModels(entries: readonly ModelEntry[]): ApiModel[] {
  // Models of remote servers the app uses are not served again from here.
  const usable = entries.filter((entry) => !entry.problem && !('remote' in entry && entry.remote));
  const count = (name: string) => usable.filter((e) => e.name === name).length;
  const named = usable.map((entry) => ({
    entry,
    id:
      count(entry.name) === 1 ? entry.name : `${entry.name}:${entry.source?.variant ?? entry.id.slice(0, 8)}`,
  }));
  // The variant may not tell them apart either (the same variant in two folders).
  return named.map(({ entry, id }) => ({
    entry,
    id: named.filter((n) => n.id === id).length === 1 ? id : `${entry.name}:${entry.id.slice(0, 8)}`,
  }));
}

/** The model a request names: by its API id, or by Tessera's own model id. 404 model_not_found otherwise. */
export function findModel(models: readonly ApiModel[], name: string): ApiModel {
  const found = models.find((m) => m.id === name) ?? models.find((m) => m.entry.id === name);
  if (found) return found;
  const known = models.map((m) => m.id).join(', ') || 'none installed';
  throw new ApiError(
    404,
    `The model "${name}" does not exist here. Models: ${known} (GET /v1/models lists them).`,
    'model',
    'model_not_found',
  );
}

/** One model as `/v1/models` lists it, with the JSON files a Tessera client plans images from. */
export function modelObject(model: ApiModel): ModelObject {
  const { entry } = model;
  const created = Math.floor((statSync(entry.dir, { throwIfNoEntry: false })?.mtimeMs ?? 0) / 1000);
  let modelJson: NonNullable<ModelObject['tessera']>['model_json'] | null = null;
  try {
    const { json } = familyOfFolder(entry.dir);
    modelJson = {
      config: json.config,
      preprocessor_config: json.preprocessorConfig,
      processor_config: json.processorConfig,
    };
  } catch {
    // A folder that lost its configs since it was listed: still listed, without the geometry.
  }
  return {
    id: model.id,
    object: 'model',
    created,
    owned_by: 'tessera',
    ...(modelJson
      ? { tessera: { family: entry.family, context_length: entry.contextLength, model_json: modelJson } }
      : {}),
  };
}
