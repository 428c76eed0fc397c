/**
 * Phi-3 / Phi-3.5-vision as the engine runs it: the geometry (geometry.ts), HD preprocessing, and its own graph
 * set: `vision_encoder` (CLIP, HD feature layout and projector inside; takes `image_sizes`),
 * `prepare_inputs_embeds` and `model`. Tessera runs `prepare_inputs_embeds` as the token embedder with no image
 * features and scatters the encoder's rows itself, like every family, so the generation loop stays
 * family-agnostic.
 */
import { type FamilyEngine, type FamilyModel, type ModelJson, withPixels } from '../family.ts';
import { readPhi3vConfig } from './config.ts';
import { geometryOf } from './geometry.ts';
import { FAMILY } from './plan.ts';
import { preprocessPhi3v } from './preprocess.ts';

export const phi3vEngine: FamilyEngine = {
  name: FAMILY,
  bind(json: ModelJson): FamilyModel {
    const cfg = readPhi3vConfig(json);
    return withPixels(geometryOf(cfg), {
      preprocess: (image, plan) => preprocessPhi3v(cfg, image, plan),
      visionInputNames: ['pixel_values', 'image_sizes'],
      sessionFiles: { embed: 'prepare_inputs_embeds', decoder: 'model' },
    });
  },
};
