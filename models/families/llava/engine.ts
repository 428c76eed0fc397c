/** LLaVA-1.5 as the engine runs it: the geometry (geometry.ts) with CLIP preprocessing. */
import { type FamilyEngine, type FamilyModel, type ModelJson, withPixels } from '../family.ts';
import { readLlavaConfig } from './config.ts';
import { geometryOf } from './geometry.ts';
import { FAMILY } from './plan.ts';
import { preprocessLlava } from './preprocess.ts';

export const llavaEngine: FamilyEngine = {
  name: FAMILY,
  bind(json: ModelJson): FamilyModel {
    const cfg = readLlavaConfig(json);
    return withPixels(geometryOf(cfg), {
      preprocess: (image, plan) => preprocessLlava(cfg, image, plan),
      visionInputNames: ['pixel_values'],
    });
  },
};
