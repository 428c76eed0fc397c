/** LLaVA-OneVision as the engine runs it: the geometry (geometry.ts), AnyRes preprocessing and feature layout. */
import { type FamilyEngine, type FamilyModel, type ModelJson, withPixels } from '../family.ts';
import { arrangeOnevision } from './arrange.ts';
import { readOnevisionConfig } from './config.ts';
import { geometryOf } from './geometry.ts';
import { FAMILY } from './plan.ts';
import { preprocessOnevision } from './preprocess.ts';

export const llavaOnevisionEngine: FamilyEngine = {
  name: FAMILY,
  bind(json: ModelJson): FamilyModel {
    const cfg = readOnevisionConfig(json);
    return withPixels(geometryOf(cfg), {
      preprocess: (image, plan) => preprocessOnevision(cfg, image, plan),
      visionInputNames: ['pixel_values'],
      arrangeFeatures: (rows, hidden, plan) => arrangeOnevision(cfg, rows, hidden, plan),
    });
  },
};
