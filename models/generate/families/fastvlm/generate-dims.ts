/**
 * Dimensions of the generated FastVLM models. FastVLM-0.5B (FastViTHD, 125 M, + 2-layer GELU projector +
 * Qwen2-0.5B) is scaled down; `realistic` keeps the interface numbers — a 1024-pixel view reduced 64× to a
 * 16 × 16 grid (256 image tokens), the 3072-wide encoder output projected to the text width, Qwen2's token ids
 * (<image> 151646) in a vocabulary of 151 936, grouped-query attention with q/k/v biases, 32 768 positions:
 *
 * |                         | FastVLM-0.5B     | realistic        | tiny           |
 * | ----------------------- | ---------------- | ---------------- | -------------- |
 * | image / stride / tokens | 1024 / 64 / 256  | 1024 / 64 / 256  | 256 / 64 / 16  |
 * | encoder out (mm_hidden) | 3072             | 3072             | 48             |
 * | text hidden / MLP       | 896 / 4864       | 448 / 1216       | 64 / 128       |
 * | text layers / heads     | 24 / 14 (kv 2)   | 4 / 7 (kv 1)     | 2 / 4 (kv 2)   |
 * | vocab (tokenizer)       | 151936 (151647)  | 151936 (151647)  | 576 (512)      |
 *
 * The encoder is three stride-4 convolutions (GELU between) and one attention layer over the 256 cells: not
 * FastViTHD's blocks, but the same graph inputs, outputs and shapes, and every pixel reaches every token.
 */
import { resolveContextLength } from '../../context-length.ts';
import type { LlamaDims } from '../../llama.ts';
import { qwen2TextDims } from '../../qwen2.ts';
import type { ModelSize } from '../../types.ts';

export interface FastVlmDims {
  imageSize: number;
  /** Channels after each of the three stride-4 convolutions; the last is mm_hidden_size. */
  channels: [number, number, number];
  attentionHeads: number;
  text: LlamaDims;
  tokenizerVocab: number;
  /** (imageSize / 64)². */
  imageTokens: number;
}

export function fastVlmDims(size: ModelSize, options: { contextLength?: number } = {}): FastVlmDims {
  const base =
    size === 'tiny'
      ? {
          imageSize: 256,
          channels: [16, 32, 48] as [number, number, number],
          attentionHeads: 2,
          text: { hidden: 64, intermediate: 128, layers: 2, heads: 4, kvHeads: 2, headDim: 16 },
          vocabSize: 576,
          tokenizerVocab: 512,
          maxPositions: 4096,
        }
      : {
          imageSize: 1024,
          channels: [96, 384, 3072] as [number, number, number],
          attentionHeads: 8,
          text: { hidden: 448, intermediate: 1216, layers: 4, heads: 7, kvHeads: 1, headDim: 64 },
          vocabSize: 151936,
          tokenizerVocab: 151647,
          maxPositions: 32768,
        };
  const contextLength = resolveContextLength('fastvlm', options.contextLength, base.maxPositions);
  return {
    imageSize: base.imageSize,
    channels: base.channels,
    attentionHeads: base.attentionHeads,
    text: qwen2TextDims(base.text, base.vocabSize, contextLength),
    tokenizerVocab: base.tokenizerVocab,
    imageTokens: (base.imageSize / 64) ** 2,
  };
}
