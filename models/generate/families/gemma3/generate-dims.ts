/**
 * Dimensions of the generated Gemma 3 models.
 *
 * gemma-3-4b-it (SigLIP-So400m at 896 px + 4 × 4 average-pool projector + a 34-layer Gemma 3 decoder) does not fit
 * this project's machines or test budget, so `realistic` keeps every number that shapes the interfaces and the
 * prompt — 896-pixel views in patches of 14 (4096 patches pooled 4 × 4 to 256 soft tokens), grouped-query attention
 * with head_dim 256, five sliding-window layers (window 1024, local rope base 10 000) to each global one (rope base
 * 1 000 000, linear scaling 8), the 262 145-token vocabulary padded to 262 208 — and scales widths and depths down:
 *
 * |                       | gemma-3-4b-it | realistic   | tiny     |
 * | --------------------- | ------------- | ----------- | -------- |
 * | vision hidden / MLP   | 1152 / 4304   | 192 / 768   | 32 / 64  |
 * | vision layers / heads | 27 / 16       | 4 / 3       | 2 / 2    |
 * | image / patch         | 896 / 14      | 896 / 14    | 224 / 14 |
 * | soft tokens per view  | 256           | 256         | 16       |
 * | text hidden / MLP     | 2560 / 10240  | 256 / 1024  | 64 / 128 |
 * | text layers (global)  | 34 (every 6th) | 6 (6th)    | 6 (6th)  |
 * | heads / kv / head_dim | 8 / 4 / 256   | 4 / 2 / 256 | 4 / 2 / 16 |
 * | sliding window        | 1024          | 1024        | 24       |
 * | vocab (tokenizer)     | 262208 (262145) | 262208 (262145) | 576 (512) |
 */
import { resolveContextLength } from '../../context-length.ts';
import type { VitTowerDims } from '../../vit.ts';
import type { LlamaDims } from '../../llama.ts';
import type { ModelSize } from '../../types.ts';

export type Gemma3VisionDims = VitTowerDims;

/** Llama's numbers (no q/k/v biases; ropeTheta is the global layers' base) and Gemma 3's own. */
export interface Gemma3TextDims extends Omit<LlamaDims, 'qkvBias'> {
  /** Scores are scaled by queryPreAttnScalar^-0.5 (not headDim^-0.5). */
  queryPreAttnScalar: number;
  slidingWindow: number;
  /** Every `slidingWindowPattern`-th layer is global; the others see the last `slidingWindow` positions. */
  slidingWindowPattern: number;
  ropeLocalBaseFreq: number;
  /** Linear rope scaling of the global layers (positions divided by it). */
  ropeScalingFactor: number;
}

export interface Gemma3Dims {
  vision: Gemma3VisionDims;
  text: Gemma3TextDims;
  tokenizerVocab: number;
  /** mm_tokens_per_image: soft tokens per view after the average pool. */
  tokensPerView: number;
}

export function gemma3Dims(size: ModelSize, options: { contextLength?: number } = {}): Gemma3Dims {
  const tiny = size === 'tiny';
  const vision = tiny
    ? { hidden: 32, intermediate: 64, layers: 2, heads: 2, imageSize: 224, patchSize: 14 }
    : { hidden: 192, intermediate: 768, layers: 4, heads: 3, imageSize: 896, patchSize: 14 };
  const headDim = tiny ? 16 : 256;
  const contextLength = resolveContextLength('gemma3', options.contextLength, tiny ? 4096 : 131072);
  return {
    vision: { ...vision, layerNormEps: 1e-6 },
    text: {
      hidden: tiny ? 64 : 256,
      intermediate: tiny ? 128 : 1024,
      layers: 6,
      heads: 4,
      kvHeads: 2,
      headDim,
      queryPreAttnScalar: headDim,
      slidingWindow: tiny ? 24 : 1024,
      slidingWindowPattern: 6,
      ropeTheta: 1_000_000,
      ropeLocalBaseFreq: 10_000,
      ropeScalingFactor: 8,
      vocabSize: tiny ? 576 : 262_208,
      maxPositions: contextLength,
      rmsNormEps: 1e-6,
    },
    tokenizerVocab: tiny ? 512 : 262_145,
    tokensPerView: tiny ? 16 : 256,
  };
}

/** Gemma 3's layer_types: every slidingWindowPattern-th layer is full attention. */
export function isGlobalLayer(text: Gemma3TextDims, layer: number): boolean {
  return (layer + 1) % text.slidingWindowPattern === 0;
}
