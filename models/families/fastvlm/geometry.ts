/**
 * FastVLM (`llava_qwen2`, apple/FastVLM): one 1024-pixel view (short side resized to 1024, center crop) through
 * FastViTHD, 256 `<image>` tokens, Qwen2 language model. One fixed view: `low` and `high` give the same plan.
 * Geometry and pixels are CLIPImageProcessor's, shared with the LLaVA family.
 */
import { assertOwnPlan, type FamilyGeometry, type ModelFamily } from '../family.ts';
import type { LlavaConfig } from '../llava/config.ts';
import { planLlava } from '../llava/plan.ts';
import { readFastVlmConfig } from './config.ts';

export const FAMILY = 'fastvlm';

export function geometryOf(cfg: LlavaConfig): FamilyGeometry {
  return {
    family: FAMILY,
    imageTokenId: cfg.imageTokenId,
    imagePlaceholder: cfg.imageToken,
    defaultDetail: 'high',
    planImage: (size, detail) => ({ ...planLlava(cfg, size, detail), family: FAMILY }),
    expandImage: (plan) => {
      assertOwnPlan(plan, FAMILY);
      return cfg.imageToken.repeat(plan.imageTokens);
    },
  };
}

export const fastVlm: ModelFamily = {
  name: FAMILY,
  modelTypes: ['llava_qwen2'],
  bind: (json) => geometryOf(readFastVlmConfig(json)),
};
