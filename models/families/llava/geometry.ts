/**
 * LLaVA-1.5 (`llava`): one CLIP view per image (resize the short side, center crop), `<image>` × N in the prompt,
 * N = 576 for 336-pixel crops in patches of 14. There are no tiles to choose: `low` and `high` give the same
 * view, and the plan says which was asked for (the TilePlan type has no room for a note; docs/preprocessing.md
 * says it).
 */
import { assertOwnPlan, type FamilyGeometry, type ModelFamily } from '../family.ts';
import { type LlavaConfig, readLlavaConfig } from './config.ts';
import { FAMILY, planLlava } from './plan.ts';
import { expandImagePrompt } from './prompt.ts';

export function geometryOf(cfg: LlavaConfig): FamilyGeometry {
  return {
    family: FAMILY,
    imageTokenId: cfg.imageTokenId,
    imagePlaceholder: cfg.imageToken,
    defaultDetail: 'high',
    planImage: (size, detail) => planLlava(cfg, size, detail),
    expandImage: (plan) => {
      assertOwnPlan(plan, FAMILY);
      return expandImagePrompt(cfg.imageToken, plan.imageTokens);
    },
  };
}

export const llava: ModelFamily = {
  name: FAMILY,
  modelTypes: ['llava'],
  bind: (json) => geometryOf(readLlavaConfig(json)),
};
