/**
 * LLaVA-OneVision (`llava_onevision`): SigLIP views of 384 px and a Qwen2 language model. `high` (the default) is
 * Python's single-image AnyRes — base view plus the crops of the best pinpoint grid, their features unpadded,
 * capped at anyres_max_9 and closed by image_newline rows; `low` is the base view and one newline row. The
 * placeholder is repeated once per feature row, nothing around it (LlavaOnevisionProcessor).
 */
import { assertOwnPlan, type FamilyModel, type ModelFamily, type ModelJson } from '../family.ts';
import { arrangeOnevision } from './arrange.ts';
import { readOnevisionConfig } from './config.ts';
import { FAMILY, planOnevision } from './plan.ts';
import { preprocessOnevision } from './preprocess.ts';

export const llavaOnevision: ModelFamily = {
  name: FAMILY,
  modelTypes: ['llava_onevision'],
  bind(json: ModelJson): FamilyModel {
    const cfg = readOnevisionConfig(json);
    return {
      family: FAMILY,
      imageTokenId: cfg.imageTokenId,
      imagePlaceholder: cfg.imageToken,
      defaultDetail: 'high',
      planImage: (size, detail) => planOnevision(cfg, size, detail),
      expandImage: (plan) => {
        assertOwnPlan(plan, FAMILY);
        return cfg.imageToken.repeat(plan.imageTokens);
      },
      preprocess: (image, plan) => preprocessOnevision(cfg, image, plan),
      visionInputNames: ['pixel_values'],
      arrangeFeatures: (rows, hidden, plan) => arrangeOnevision(cfg, rows, hidden, plan),
    };
  },
};
