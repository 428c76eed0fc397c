/**
 * LFM2-VL (`lfm2_vl`): a SigLIP2 NaFlex encoder at (nearly) native resolution — one smart-resized view, or
 * 512-pixel tiles plus a thumbnail for a large image — and a hybrid LFM2 decoder whose cache mixes short-conv
 * states with attention keys/values. `low` detail is always one view; `high` tiles as Python does.
 */
import { assertOwnPlan, type FamilyModel, type ModelFamily, type ModelJson } from '../family.ts';
import { readLfm2VlConfig } from './config.ts';
import { FAMILY, planLfm2Vl } from './plan.ts';
import { preprocessLfm2Vl } from './preprocess.ts';
import { expandImagePrompt } from './prompt.ts';

export const lfm2Vl: ModelFamily = {
  name: FAMILY,
  modelTypes: ['lfm2_vl'],
  bind(json: ModelJson): FamilyModel {
    const cfg = readLfm2VlConfig(json);
    return {
      family: FAMILY,
      imageTokenId: cfg.imageTokenId,
      imagePlaceholder: cfg.imageToken,
      defaultDetail: 'high',
      planImage: (size, detail) => planLfm2Vl(cfg, size, detail),
      expandImage: (plan) => {
        assertOwnPlan(plan, FAMILY);
        return expandImagePrompt(cfg, plan);
      },
      preprocess: (image, plan) => preprocessLfm2Vl(cfg, image, plan),
      visionInputNames: ['pixel_values', 'pixel_attention_mask', 'spatial_shapes'],
    };
  },
};
