/** SmolVLM and Idefics3 (same processor): SigLIP tiles of M×M plus a global view, `<image>` × image_seq_len each. */
import { assertOwnPlan, type FamilyGeometry, type ModelFamily } from '../family.ts';
import { type SmolVlmConfig, readSmolVlmConfig } from './config.ts';
import { FAMILY, planSmolVlm } from './plan.ts';
import { IMAGE_TOKEN, expandImagePrompt } from './prompt.ts';

export function geometryOf(cfg: SmolVlmConfig): FamilyGeometry {
  return {
    family: FAMILY,
    imageTokenId: cfg.imageTokenId,
    imagePlaceholder: IMAGE_TOKEN,
    defaultDetail: 'high',
    planImage: (size, detail) => planSmolVlm(cfg, size, detail),
    expandImage: (plan) => {
      assertOwnPlan(plan, FAMILY);
      return expandImagePrompt(plan.grid.rows, plan.grid.cols, cfg.imageSeqLen);
    },
  };
}

export const smolvlm: ModelFamily = {
  name: FAMILY,
  modelTypes: ['smolvlm', 'idefics3'],
  bind: (json) => geometryOf(readSmolVlmConfig(json)),
};
