/** Tile plans straight from a model folder's JSON files: no ONNX file is opened. */
import type { Detail, Size, TilePlan } from '../../app/tile-plan.ts';
import { TesseraError } from '../errors.ts';
import { readModelJson } from '../runtime/model-folder.ts';
import type { FamilyGeometry, ModelFamily, ModelJson } from './family.ts';
import { familyForModelType } from './registry.ts';

/** A folder's JSON files and the family its config.json's model_type names. */
export function familyOfFolder(dir: string): { family: ModelFamily; json: ModelJson } {
  const json = readModelJson(dir);
  const modelType = json.config.model_type;
  if (typeof modelType !== 'string') {
    throw new TesseraError('MODEL_UNSUPPORTED', `${dir}/config.json has no "model_type".`);
  }
  return { family: familyForModelType(modelType, `${dir}/config.json`), json };
}

/** The folder's family geometry: planning and prompt text, no pixel code (engines.ts binds that). */
export function bindFolder(dir: string): FamilyGeometry {
  const { family, json } = familyOfFolder(dir);
  return family.bind(json);
}

export function planFromFolder(dir: string, size: Size, detail?: Detail): TilePlan {
  const family = bindFolder(dir);
  return family.planImage(size, detail ?? family.defaultDetail);
}
