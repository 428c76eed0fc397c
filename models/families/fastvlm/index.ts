/**
 * FastVLM (`llava_qwen2`, apple/FastVLM): one 1024-pixel view (short side resized to 1024, center crop) through
 * FastViTHD, 256 `<image>` tokens, Qwen2 language model. One fixed view: `low` and `high` give the same plan.
 * Geometry and pixels are CLIPImageProcessor's, shared with the LLaVA family.
 */
import { assertOwnPlan, type FamilyModel, type ModelFamily, type ModelJson } from '../family.ts';
import { planLlava, FAMILY as LLAVA } from '../llava/plan.ts';
import { preprocessLlava } from '../llava/preprocess.ts';
import { readFastVlmConfig } from './config.ts';

export const FAMILY = 'fastvlm';

export const fastVlm: ModelFamily = {
  name: FAMILY,
  modelTypes: ['llava_qwen2'],
  bind(json: ModelJson): FamilyModel {
    const cfg = readFastVlmConfig(json);
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
      preprocess: (image, plan) => {
        assertOwnPlan(plan, FAMILY);
        // The LLaVA pipeline checks the plan is its own; the geometry is the same, only the label differs.
        return preprocessLlava(cfg, image, { ...plan, family: LLAVA });
      },
      visionInputNames: ['pixel_values'],
    };
  },
};
