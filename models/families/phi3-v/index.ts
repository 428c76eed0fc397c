/**
 * Phi-3 / Phi-3.5-vision (`phi3_v`): an HD transform into up to `num_crops` 336-pixel crops plus a global view,
 * `<|image|>` × N in the prompt (N counts the newline and separator rows the encoder adds), and its own graph set:
 * `vision_encoder` (CLIP, HD feature layout and projector inside; takes `image_sizes`), `prepare_inputs_embeds`
 * and `model`. Tessera runs `prepare_inputs_embeds` as the token embedder with no image features and scatters
 * the encoder's rows itself, like every family, so the generation loop stays family-agnostic.
 */
import { assertOwnPlan, type FamilyModel, type ModelFamily, type ModelJson } from '../family.ts';
import { IMAGE_TOKEN, imageTokenIdIn, readPhi3vConfig } from './config.ts';
import { FAMILY, planPhi3v } from './plan.ts';
import { preprocessPhi3v } from './preprocess.ts';
import { expandImagePrompt } from './prompt.ts';

export const phi3v: ModelFamily = {
  name: FAMILY,
  modelTypes: ['phi3_v'],
  bind(json: ModelJson): FamilyModel {
    const cfg = readPhi3vConfig(json);
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
      preprocess: (image, plan) => preprocessPhi3v(cfg, image, plan),
      visionInputNames: ['pixel_values', 'image_sizes'],
      sessionFiles: { embed: 'prepare_inputs_embeds', decoder: 'model' },
    };
  },
};
