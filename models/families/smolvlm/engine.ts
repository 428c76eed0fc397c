/** SmolVLM / Idefics3 as the engine runs it: the geometry (geometry.ts) with SigLIP tile preprocessing. */
import { type FamilyEngine, type FamilyModel, type ModelJson, withPixels } from '../family.ts';
import { readSmolVlmConfig } from './config.ts';
import { geometryOf } from './geometry.ts';
import { FAMILY } from './plan.ts';
import { preprocessSmolVlm } from './preprocess.ts';

export const smolvlmEngine: FamilyEngine = {
  name: FAMILY,
  bind(json: ModelJson): FamilyModel {
    const cfg = readSmolVlmConfig(json);
    return withPixels(geometryOf(cfg), {
      preprocess: (image, plan) => preprocessSmolVlm(cfg, image, plan),
      visionInputNames: ['pixel_values', 'pixel_attention_mask'],
    });
  },
};
