/** Qwen2-VL as the engine runs it: the geometry (geometry.ts), patch preprocessing and 3-D rope positions. */
import { type FamilyEngine, type FamilyModel, type ModelJson, withPixels } from '../family.ts';
import { readQwenConfig } from './config.ts';
import { geometryOf } from './geometry.ts';
import { FAMILY } from './plan.ts';
import { preprocessQwen } from './preprocess.ts';
import { mropePositionIds } from './rope.ts';

export const qwen2VlEngine: FamilyEngine = {
  name: FAMILY,
  bind(json: ModelJson): FamilyModel {
    const cfg = readQwenConfig(json);
    return withPixels(geometryOf(cfg), {
      preprocess: (image, plan) => preprocessQwen(cfg, image, plan),
      visionInputNames: ['pixel_values', cfg.gridInputName],
      positionIds: (ids, plans, start, count) => mropePositionIds(ids, plans, cfg.imageTokenId, start, count),
    });
  },
};
