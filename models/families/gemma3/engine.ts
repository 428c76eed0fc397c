/**
 * Gemma 3 as the engine runs it: the geometry (geometry.ts) with SigLIP preprocessing and 1-based decoder
 * positions, as transformers.js feeds them for gemma3 and Python's Gemma3ForConditionalGeneration does
 * (cache_position + 1); rotary attention only sees differences, so the offset matters for rounding alone.
 */
import type { TensorData } from '../../tensor.ts';
import { type FamilyEngine, type FamilyModel, type ModelJson, withPixels } from '../family.ts';
import { readGemma3Config } from './config.ts';
import { geometryOf } from './geometry.ts';
import { FAMILY } from './plan.ts';
import { preprocessGemma3 } from './preprocess.ts';

/** 1-based positions: position p of the sequence is fed as p + 1. */
export function gemma3PositionIds(start: number, count: number): TensorData {
  return {
    type: 'int64',
    dims: [1, count],
    data: BigInt64Array.from({ length: count }, (_, i) => BigInt(start + i + 1)),
  };
}

export const gemma3Engine: FamilyEngine = {
  name: FAMILY,
  bind(json: ModelJson): FamilyModel {
    const cfg = readGemma3Config(json);
    return withPixels(geometryOf(cfg), {
      preprocess: (image, plan) => preprocessGemma3(cfg, image, plan),
      visionInputNames: ['pixel_values'],
      positionIds: (_ids, _plans, start, count) => gemma3PositionIds(start, count),
    });
  },
};
