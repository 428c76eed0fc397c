/**
 * Gemma 3 (`gemma3`): SigLIP at a fixed 896 × 896 view, 4 × 4 average-pooled to 256 soft tokens per view inside
 * "\n\n<start_of_image>…<end_of_image>\n\n". `low` is one view; `high` adds Python's pan-and-scan crops where the
 * aspect ratio activates them. The default detail follows preprocessor_config.json's `do_pan_and_scan`.
 */
import { assertOwnPlan, type FamilyGeometry, type ModelFamily } from '../family.ts';
import { BOI_TOKEN, type Gemma3Config, readGemma3Config } from './config.ts';
import { FAMILY, planGemma3 } from './plan.ts';
import { expandImagePrompt } from './prompt.ts';

export function geometryOf(cfg: Gemma3Config): FamilyGeometry {
  return {
    family: FAMILY,
    imageTokenId: cfg.imageTokenId,
    imagePlaceholder: BOI_TOKEN,
    defaultDetail: cfg.panAndScan.enabled ? 'high' : 'low',
    planImage: (size, detail) => planGemma3(cfg, size, detail),
    expandImage: (plan) => {
      assertOwnPlan(plan, FAMILY);
      return expandImagePrompt(cfg.tokensPerView, plan.global ? plan.tiles.length : 0);
    },
  };
}

export const gemma3: ModelFamily = {
  name: FAMILY,
  modelTypes: ['gemma3'],
  bind: (json) => geometryOf(readGemma3Config(json)),
};
