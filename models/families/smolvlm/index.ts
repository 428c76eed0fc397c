/** SmolVLM and Idefics3 (same processor): SigLIP tiles of M×M plus a global view, `<image>` × image_seq_len each. */
import { assertOwnPlan, type FamilyModel, type ModelFamily, type ModelJson } from '../family.ts';
import { readSmolVlmConfig } from './config.ts';
import { FAMILY, planSmolVlm } from './plan.ts';
import { preprocessSmolVlm } from './preprocess.ts';
import { expandImagePrompt, IMAGE_TOKEN } from './prompt.ts';

export const smolvlm: ModelFamily = {
  name: FAMILY,
  modelTypes: ['smolvlm', 'idefics3'],
  bind(json: ModelJson): FamilyModel {
    const cfg = readSmolVlmConfig(json);
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
      preprocess: (image, plan) => preprocessSmolVlm(cfg, image, plan),
      visionInputNames: ['pixel_values', 'pixel_attention_mask'],
    };
  },
};
