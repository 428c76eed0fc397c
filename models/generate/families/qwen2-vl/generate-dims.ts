/**
 * Dimensions of the generated Qwen2-VL / Qwen2.5-VL models.
 *
 * Qwen2-VL-2B (675 M vision + 1.5 B text) does not fit this project's test budget, so `realistic` keeps every
 * number that shapes the interfaces and the prompt — patches of 14 merged 2×2, temporal patch 2 (1176 values
 * per patch row), the real pixel budget (3136 … 12 845 056), vision head_dim 80, text head_dim 128 with
 * mrope_section [16, 24, 24], grouped-query attention (2 key/value heads), rope_theta 1e6, the 151 643 + 14
 * special-token tokenizer in a vocabulary padded to 151 936, 32 768 positions — and scales widths and depths down:
 *
 * |                        | Qwen2-VL-2B  | realistic  | tiny     |
 * | ---------------------- | ------------ | ---------- | -------- |
 * | vision width / MLP     | 1280 / 5120  | 320 / 1280 | 32 / 64  |
 * | vision layers / heads  | 32 / 16      | 4 / 4      | 2 / 2    |
 * | text hidden / MLP      | 1536 / 8960  | 512 / 1376 | 64 / 128 |
 * | text layers / heads    | 28 / 12 (kv 2) | 6 / 4 (kv 2) | 2 / 4 (kv 2) |
 * | head_dim, mrope        | 128, 16/24/24 | 128, 16/24/24 | 16, 2/3/3 |
 * | vocab (tokenizer)      | 151936 (151657) | 151936 (151657) | 576 (512) |
 * | max_pixels             | 12845056     | 12845056   | 313600 (400 tokens) |
 *
 * Qwen2.5-VL's encoder has the same widths with RMSNorm and a SwiGLU MLP (intermediate = 2 × width here).
 */
import { resolveContextLength } from '../../context-length.ts';
import type { ModelSize } from '../../types.ts';
import type { QwenTextDims } from './generate-decoder.ts';

export type QwenVariant = 'qwen2_vl' | 'qwen2_5_vl';

export interface QwenVisionDims {
  hidden: number;
  intermediate: number;
  layers: number;
  heads: number;
  patchSize: number;
  mergeSize: number;
  temporalPatchSize: number;
  normEps: number;
  ropeTheta: number;
}

export interface QwenDims {
  variant: QwenVariant;
  vision: QwenVisionDims;
  text: QwenTextDims;
  tokenizerVocab: number;
  minPixels: number;
  maxPixels: number;
}

export function qwenDims(
  variant: QwenVariant,
  size: ModelSize,
  options: { contextLength?: number } = {},
): QwenDims {
  const tiny = size === 'tiny';
  const visionHidden = tiny ? 32 : 320;
  const contextLength = resolveContextLength(variant, options.contextLength, 32768);
  return {
    variant,
    vision: {
      hidden: visionHidden,
      intermediate: variant === 'qwen2_vl' ? 4 * visionHidden : 2 * visionHidden,
      layers: tiny ? 2 : 4,
      heads: tiny ? 2 : 4,
      patchSize: 14,
      mergeSize: 2,
      temporalPatchSize: 2,
      normEps: 1e-6,
      ropeTheta: 10000,
    },
    text: {
      hidden: tiny ? 64 : 512,
      intermediate: tiny ? 128 : 1376,
      layers: tiny ? 2 : 6,
      heads: 4,
      kvHeads: 2,
      headDim: tiny ? 16 : 128,
      vocabSize: tiny ? 576 : 151936,
      maxPositions: contextLength,
      ropeTheta: 1000000,
      rmsNormEps: 1e-6,
      mropeSection: tiny ? [2, 3, 3] : [16, 24, 24],
    },
    tokenizerVocab: tiny ? 512 : 151657,
    minPixels: 56 * 56,
    maxPixels: tiny ? 400 * 28 * 28 : 12845056,
  };
}
