/**
 * LLaVA-OneVision (`llava_onevision`): SigLIP views of 384 px and a Qwen2 language model. `high` (the default) is
 * Python's single-image AnyRes — base view plus the crops of the best pinpoint grid, their features unpadded,
 * capped at anyres_max_9 and closed by image_newline rows; `low` is the base view and one newline row. The
 * placeholder is repeated once per feature row, nothing around it (LlavaOnevisionProcessor).
 */
import { assertOwnPlan, type FamilyGeometry, type ModelFamily } from '../family.ts';
import { type OnevisionConfig, readOnevisionConfig } from './config.ts';
import { FAMILY, planOnevision } from './plan.ts';

export function geometryOf(cfg: OnevisionConfig): FamilyGeometry {
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
  };
}

export const llavaOnevision: ModelFamily = {
  name: FAMILY,
  modelTypes: ['llava_onevision'],
  bind: (json) => geometryOf(readOnevisionConfig(json)),
};
