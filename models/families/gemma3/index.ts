/**
 * Gemma 3 (`gemma3`): SigLIP at a fixed 896 × 896 view, 4 × 4 average-pooled to 256 soft tokens per view inside
 * "\n\n<start_of_image>…<end_of_image>\n\n". `low` is one view; `high` adds Python's pan-and-scan crops where the
 * aspect ratio activates them. The default detail follows preprocessor_config.json's `do_pan_and_scan`.
 * Decoder positions start at 1, as transformers.js feeds them for gemma3 and Python's Gemma3ForConditionalGeneration
 * does (cache_position + 1); rotary attention only sees differences, so the offset matters for rounding alone.
 */
import type { TensorData } from '../../tensor.ts';
import { assertOwnPlan, type FamilyModel, type ModelFamily, type ModelJson } from '../family.ts';
import { BOI_TOKEN, readGemma3Config } from './config.ts';
import { FAMILY, planGemma3 } from './plan.ts';
import { preprocessGemma3 } from './preprocess.ts';
import { expandImagePrompt } from './prompt.ts';

/** 1-based positions: position p of the sequence is fed as p + 1. */
export function gemma3PositionIds(start: number, count: number): TensorData {
  return {
    type: 'int64',
    dims: [1, count],
    data: BigInt64Array.from({ length: count }, (_, i) => BigInt(start + i + 1)),
  };
}

export const gemma3: ModelFamily = {
  name: FAMILY,
  modelTypes: ['gemma3'],
  bind(json: ModelJson): FamilyModel {
    const cfg = readGemma3Config(json);
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
      preprocess: (image, plan) => preprocessGemma3(cfg, image, plan),
      visionInputNames: ['pixel_values'],
      positionIds: (_ids, _plans, start, count) => gemma3PositionIds(start, count),
    };
  },
};
