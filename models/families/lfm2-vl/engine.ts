/** LFM2-VL as the engine runs it: the geometry (geometry.ts) with NaFlex preprocessing. */
import { type FamilyEngine, type FamilyModel, type ModelJson, withPixels } from '../family.ts';
import { readLfm2VlConfig } from './config.ts';
import { geometryOf } from './geometry.ts';
import { FAMILY } from './plan.ts';
import { preprocessLfm2Vl } from './preprocess.ts';

export const lfm2VlEngine: FamilyEngine = {
  name: FAMILY,
  bind(json: ModelJson): FamilyModel {
    const cfg = readLfm2VlConfig(json);
    return withPixels(geometryOf(cfg), {
      preprocess: (image, plan) => preprocessLfm2Vl(cfg, image, plan),
      visionInputNames: ['pixel_values', 'pixel_attention_mask', 'spatial_shapes'],
    });
  },
};
