/** Tile plans straight from a model folder's JSON files: no ONNX file is opened. */
import type { Detail, Size, TilePlan } from '../../app/tile-plan.ts';
import { TesseraError } from '../errors.ts';
import { readModelJson } from '../runtime/model-folder.ts';
import type { FamilyModel } from './family.ts';
import { familyForModelType } from './registry.ts';

export function bindFolder(dir: string): FamilyModel {
  const json = readModelJson(dir);
  const modelType = json.config.model_type;
  if (typeof modelType !== 'string') {
    throw new TesseraError('MODEL_UNSUPPORTED', `${dir}/config.json has no "model_type".`);
  }
  return familyForModelType(modelType, `${dir}/config.json`).bind(json);
}

export function planFromFolder(dir: string, size: Size, detail?: Detail): TilePlan {
  const family = bindFolder(dir);
  return family.planImage(size, detail ?? family.defaultDetail);
}
