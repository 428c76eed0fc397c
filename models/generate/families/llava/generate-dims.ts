/**
 * Dimensions of the generated LLaVA-1.5 models.
 *
 * llava-1.5-7b (CLIP ViT-L/14-336 + 2-layer GELU projector + Vicuna-7B, 7 B parameters) does not fit this
 * project's machines or test budget, so `realistic` keeps every number that shapes the interfaces and the
 * prompt — 336-pixel input in patches of 14 (576 image tokens), vision_feature_layer −2 with the CLS row dropped,
 * multi-head attention (key/value heads = heads), head_dim 128, the 32 000 + `<image>` + `<pad>` tokenizer in a
 * vocabulary padded to 32 064, 4096 positions, rope_theta 10 000 — and scales the widths and depths down:
 *
 * |                       | llava-1.5-7b | realistic | tiny |
 * | --------------------- | ------------ | --------- | ---- |
 * | vision hidden / MLP   | 1024 / 4096  | 256 / 1024 | 32 / 64 |
 * | vision layers / heads | 24 / 16      | 6 / 4     | 3 / 2 |
 * | image / patch         | 336 / 14     | 336 / 14  | 56 / 14 |
 * | image tokens          | 576          | 576       | 16   |
 * | text hidden / MLP     | 4096 / 11008 | 512 / 1376 | 64 / 128 |
 * | text layers / heads   | 32 / 32 (kv 32) | 6 / 4 (kv 4) | 2 / 4 (kv 4) |
 * | head_dim              | 128          | 128       | 16   |
 * | vocab (tokenizer)     | 32064 (32002) | 32064 (32002) | 576 (512) |
 *
 * About 55 M parameters (220 MB in fp32), written in seconds.
 */
import { resolveContextLength } from '../../context-length.ts';
import { type LlamaDims, llamaTextDims } from '../../llama.ts';
import type { VitTowerDims } from '../../vit.ts';
import type { ModelSize } from '../../types.ts';

export interface LlavaVisionDims extends VitTowerDims {
  /** `num_hidden_layers` of the CLIP tower; the graph computes only those up to the feature layer. */
  layers: number;
}

export interface LlavaDims {
  vision: LlavaVisionDims;
  text: LlamaDims;
  /** Ids the tokenizer has (the model's vocabulary is padded past them). */
  tokenizerVocab: number;
  /** `vision_feature_layer`: which hidden state the projector reads (−2: the output of the last layer but one). */
  featureLayer: number;
  /** Encoder layers the graph runs: hidden_states[featureLayer] needs this many. */
  computedLayers: number;
  /** Feature rows per image: the patches, the CLS row dropped ("default" strategy). */
  imageTokens: number;
}

export function llavaDims(size: ModelSize, options: { contextLength?: number } = {}): LlavaDims {
  const base =
    size === 'tiny'
      ? {
          vision: { hidden: 32, intermediate: 64, layers: 3, heads: 2, imageSize: 56, patchSize: 14 },
          text: { hidden: 64, intermediate: 128, layers: 2, heads: 4, kvHeads: 4, headDim: 16 },
          vocabSize: 576,
          tokenizerVocab: 512,
        }
      : {
          vision: { hidden: 256, intermediate: 1024, layers: 6, heads: 4, imageSize: 336, patchSize: 14 },
          text: { hidden: 512, intermediate: 1376, layers: 6, heads: 4, kvHeads: 4, headDim: 128 },
          vocabSize: 32064,
          tokenizerVocab: 32002,
        };
  const contextLength = resolveContextLength('llava', options.contextLength, 4096);
  const featureLayer = -2;
  const grid = base.vision.imageSize / base.vision.patchSize;
  return {
    vision: { ...base.vision, layerNormEps: 1e-5 },
    text: llamaTextDims(base.text, base.vocabSize, contextLength, { ropeTheta: 10000, rmsNormEps: 1e-5 }),
    tokenizerVocab: base.tokenizerVocab,
    featureLayer,
    // hidden_states[0] is the embedding output, hidden_states[k] the output of layer k.
    computedLayers: base.vision.layers + 1 + featureLayer,
    imageTokens: grid * grid,
  };
}
