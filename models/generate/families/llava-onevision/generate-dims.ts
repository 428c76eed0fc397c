/**
 * Dimensions of the generated LLaVA-OneVision models.
 *
 * llava-onevision-qwen2-0.5b-ov (SigLIP so400m/14-384 + 2-layer GELU projector + Qwen2-0.5B) is scaled down in
 * width and depth; `realistic` keeps every number that shapes the interfaces and the prompt — 384-pixel views in
 * patches of 14 (27 × 27 = 729 rows a view), the 36 pinpoints 384…2304, anyres_max_9, grouped-query attention
 * with 7 query heads per key/value head and head_dim 64, q/k/v biases, Qwen2's token ids (<image> 151646) in a
 * vocabulary padded to 152 000, rope_theta 1 000 000 and 32 768 positions:
 *
 * |                       | 0.5b-ov           | realistic          | tiny               |
 * | --------------------- | ----------------- | ------------------ | ------------------ |
 * | vision hidden / MLP   | 1152 / 4304       | 256 / 1024         | 32 / 64            |
 * | vision layers / heads | 26 / 16           | 4 / 4              | 2 / 2              |
 * | view / patch          | 384 / 14 (729)    | 384 / 14 (729)     | 56 / 14 (16)       |
 * | pinpoints             | {1…6}·384 squared | {1…6}·384          | {1…6}·56           |
 * | text hidden / MLP     | 896 / 4864        | 448 / 1216         | 64 / 128           |
 * | text layers / heads   | 24 / 14 (kv 2)    | 4 / 7 (kv 1)       | 2 / 4 (kv 2)       |
 * | vocab (tokenizer)     | 152000 (151648)   | 152000 (151648)    | 576 (512)          |
 */
import { resolveContextLength } from '../../context-length.ts';
import type { LlamaDims } from '../../llama.ts';
import { qwen2TextDims } from '../../qwen2.ts';
import type { VitTowerDims } from '../../vit.ts';
import type { ModelSize } from '../../types.ts';

export type OnevisionVisionDims = VitTowerDims;

export interface OnevisionDims {
  vision: OnevisionVisionDims;
  text: LlamaDims;
  tokenizerVocab: number;
  /** [height, width] pairs, as config.json writes them. */
  pinpoints: [number, number][];
  /** Rows per view: (imageSize / patchSize)². */
  viewTokens: number;
}

export function onevisionDims(size: ModelSize, options: { contextLength?: number } = {}): OnevisionDims {
  const base =
    size === 'tiny'
      ? {
          vision: { hidden: 32, intermediate: 64, layers: 2, heads: 2, imageSize: 56, patchSize: 14 },
          text: { hidden: 64, intermediate: 128, layers: 2, heads: 4, kvHeads: 2, headDim: 16 },
          vocabSize: 576,
          tokenizerVocab: 512,
          maxPositions: 4096,
        }
      : {
          vision: { hidden: 256, intermediate: 1024, layers: 4, heads: 4, imageSize: 384, patchSize: 14 },
          text: { hidden: 448, intermediate: 1216, layers: 4, heads: 7, kvHeads: 1, headDim: 64 },
          vocabSize: 152000,
          tokenizerVocab: 151648,
          maxPositions: 32768,
        };
  const contextLength = resolveContextLength('llava-onevision', options.contextLength, base.maxPositions);
  const side = base.vision.imageSize;
  const steps = [1, 2, 3, 4, 5, 6].map((k) => k * side);
  const grid = Math.floor(base.vision.imageSize / base.vision.patchSize);
  return {
    vision: { ...base.vision, layerNormEps: 1e-6 },
    text: qwen2TextDims(base.text, base.vocabSize, contextLength),
    tokenizerVocab: base.tokenizerVocab,
    pinpoints: steps.flatMap((h) => steps.map((w): [number, number] => [h, w])),
    viewTokens: grid * grid,
  };
}
