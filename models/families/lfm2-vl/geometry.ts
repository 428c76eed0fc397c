/**
 * LFM2-VL (`lfm2_vl`): a SigLIP2 NaFlex encoder at (nearly) native resolution — one smart-resized view, or
 * 512-pixel tiles plus a thumbnail for a large image — and a hybrid LFM2 decoder whose cache mixes short-conv
 * states with attention keys/values. `low` detail is always one view; `high` tiles as Python does.
 */
import { assertOwnPlan, type FamilyGeometry, type ModelFamily } from '../family.ts';
import { type Lfm2VlConfig, readLfm2VlConfig } from './config.ts';
import { FAMILY, planLfm2Vl } from './plan.ts';
import { expandImagePrompt } from './prompt.ts';

export function geometryOf(cfg: Lfm2VlConfig): FamilyGeometry {
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
  };
}

export const lfm2Vl: ModelFamily = {
  name: FAMILY,
  modelTypes: ['lfm2_vl'],
  bind: (json) => geometryOf(readLfm2VlConfig(json)),
};
