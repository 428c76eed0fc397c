/** FastVLM as the engine runs it: the geometry (geometry.ts) with LLaVA's CLIP preprocessing. */
import { assertOwnPlan, type FamilyEngine, type FamilyModel, type ModelJson, withPixels } from '../family.ts';
import { FAMILY as LLAVA } from '../llava/plan.ts';
import { preprocessLlava } from '../llava/preprocess.ts';
import { readFastVlmConfig } from './config.ts';
import { FAMILY, geometryOf } from './geometry.ts';

export const fastVlmEngine: FamilyEngine = {
  name: FAMILY,
  bind(json: ModelJson): FamilyModel {
    const cfg = readFastVlmConfig(json);
    return withPixels(geometryOf(cfg), {
      preprocess: (image, plan) => {
        assertOwnPlan(plan, FAMILY);
        // The LLaVA pipeline checks the plan is its own; the geometry is the same, only the label differs.
        return preprocessLlava(cfg, image, { ...plan, family: LLAVA });
      },
      visionInputNames: ['pixel_values'],
    });
  },
};
