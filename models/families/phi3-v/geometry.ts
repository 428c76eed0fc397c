/**
 * Phi-3 / Phi-3.5-vision (`phi3_v`): an HD transform into up to `num_crops` 336-pixel crops plus a global view,
 * `<|image|>` × N in the prompt (N counts the newline and separator rows the encoder adds), and its own graph set
 * (engine.ts).
 */
import { assertOwnPlan, type FamilyGeometry, type ModelFamily } from '../family.ts';
import { IMAGE_TOKEN, type Phi3vConfig, imageTokenIdIn, readPhi3vConfig } from './config.ts';
import { FAMILY, planPhi3v } from './plan.ts';
import { expandImagePrompt } from './prompt.ts';

export function geometryOf(cfg: Phi3vConfig): FamilyGeometry {
  let imageTokenId: number | undefined;
  return {
    family: FAMILY,
    // Read from the tokenizer on first use: planning an image never needs it.
    get imageTokenId() {
      imageTokenId ??= imageTokenIdIn(cfg.dir);
      return imageTokenId;
    },
    imagePlaceholder: IMAGE_TOKEN,
    defaultDetail: 'high',
    planImage: (size, detail) => planPhi3v(cfg, size, detail),
    expandImage: (plan) => {
      assertOwnPlan(plan, FAMILY);
      return expandImagePrompt(plan.imageTokens);
    },
  };
}

export const phi3v: ModelFamily = {
  name: FAMILY,
  modelTypes: ['phi3_v'],
  bind: (json) => geometryOf(readPhi3vConfig(json)),
};
