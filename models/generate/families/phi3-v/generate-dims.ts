/**
 * Dimensions of the generated Phi-3.5-vision models.
 *
 * Phi-3.5-vision-instruct (CLIP ViT-L/14-336, 2 × 2 feature merge, 2-layer GELU projector, Phi-3-mini: 4.2 B
 * parameters) does not fit this project's machines or test budget, so both sizes keep every number that shapes
 * the interfaces and the prompt — 336-pixel crops in patches of 14 (24 × 24 → 12 × 12 = 144 rows per view),
 * hidden_states[−2] with the CLS row dropped, num_crops 4, multi-head attention, head_dim 96 (realistic) — and
 * scale the widths and depths down:
 *
 * |                       | Phi-3.5-vision | realistic  | tiny     |
 * | --------------------- | -------------- | ---------- | -------- |
 * | vision hidden / MLP   | 1024 / 4096    | 256 / 1024 | 32 / 64  |
 * | vision layers / heads | 24 / 16        | 6 / 4      | 3 / 2    |
 * | text hidden / MLP     | 3072 / 8192    | 384 / 1024 | 64 / 128 |
 * | text layers / heads   | 32 / 32        | 6 / 4      | 2 / 4    |
 * | head_dim              | 96             | 96         | 16       |
 * | vocab (tokenizer)     | 32064          | 32064 (32006) | 576 (512) |
 */
import { resolveContextLength } from '../../context-length.ts';
import { type LlamaDims, llamaTextDims } from '../../llama.ts';
import type { VitTowerDims } from '../../vit.ts';
import type { ModelSize } from '../../types.ts';

export type Phi3vVisionDims = VitTowerDims;

export interface Phi3vDims {
  vision: Phi3vVisionDims;
  text: LlamaDims;
  tokenizerVocab: number;
  /** Encoder layers the graph runs: hidden_states[−2] needs all but the last. */
  computedLayers: number;
  /** Patch grid side after the 2 × 2 merge (12), so 144 rows per view. */
  mergedGrid: number;
  numCrops: number;
}

export function phi3vDims(size: ModelSize, options: { contextLength?: number } = {}): Phi3vDims {
  const base =
    size === 'tiny'
      ? {
          vision: { hidden: 32, intermediate: 64, layers: 3, heads: 2 },
          text: { hidden: 64, intermediate: 128, layers: 2, heads: 4, kvHeads: 4, headDim: 16 },
          vocabSize: 576,
          tokenizerVocab: 512,
          context: 4096,
        }
      : {
          vision: { hidden: 256, intermediate: 1024, layers: 6, heads: 4 },
          text: { hidden: 384, intermediate: 1024, layers: 6, heads: 4, kvHeads: 4, headDim: 96 },
          vocabSize: 32064,
          tokenizerVocab: 32006,
          context: 131072,
        };
  const contextLength = resolveContextLength('phi3_v', options.contextLength, base.context);
  const imageSize = 336;
  const patchSize = 14;
  return {
    vision: { ...base.vision, imageSize, patchSize, layerNormEps: 1e-5 },
    text: llamaTextDims(base.text, base.vocabSize, contextLength, { ropeTheta: 10000, rmsNormEps: 1e-5 }),
    tokenizerVocab: base.tokenizerVocab,
    computedLayers: base.vision.layers - 1,
    mergedGrid: imageSize / patchSize / 2,
    numCrops: 4,
  };
}
