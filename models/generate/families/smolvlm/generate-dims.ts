/** Dimensions of the generated SmolVLM models. `realistic` is SmolVLM-256M's shape. */
import { resolveContextLength } from '../../context-length.ts';
import { type LlamaDims, llamaTextDims } from '../../llama.ts';
import type { VitTowerDims } from '../../vit.ts';
import type { ModelSize } from '../../types.ts';

export interface SmolVlmVisionDims extends VitTowerDims {
  /** Side of one square tile, in pixels (= max_image_size.longest_edge). */
  imageSize: number;
}

/** The Llama text model (SmolLM2). */
export type SmolVlmTextDims = LlamaDims;

export interface SmolVlmDims {
  vision: SmolVlmVisionDims;
  text: SmolVlmTextDims;
  /** Pixel-shuffle factor of the connector. */
  scaleFactor: number;
  /** Image tokens per tile: (imageSize / patchSize)² / scaleFactor². */
  imageSeqLen: number;
  /** preprocessor_config `size.longest_edge`: images are resized to this before splitting. */
  longestEdge: number;
}

export function smolvlmDims(size: ModelSize, options: { contextLength?: number } = {}): SmolVlmDims {
  const base =
    size === 'tiny'
      ? {
          vision: { hidden: 32, intermediate: 64, layers: 2, heads: 2, imageSize: 64, patchSize: 8 },
          text: { hidden: 64, intermediate: 128, layers: 2, heads: 4, kvHeads: 2, headDim: 16 },
          vocabSize: 512,
          maxPositions: 2048,
          scaleFactor: 2,
          longestEdge: 256,
        }
      : {
          vision: { hidden: 768, intermediate: 3072, layers: 12, heads: 12, imageSize: 512, patchSize: 16 },
          text: { hidden: 576, intermediate: 1536, layers: 30, heads: 9, kvHeads: 3, headDim: 64 },
          vocabSize: 49280,
          maxPositions: 8192,
          scaleFactor: 4,
          longestEdge: 2048,
        };
  const contextLength = resolveContextLength('smolvlm', options.contextLength, base.maxPositions);
  const grid = base.vision.imageSize / base.vision.patchSize;
  return {
    vision: { ...base.vision, layerNormEps: 1e-6 },
    text: llamaTextDims(base.text, base.vocabSize, contextLength, { ropeTheta: 100000, rmsNormEps: 1e-5 }),
    scaleFactor: base.scaleFactor,
    imageSeqLen: (grid * grid) / (base.scaleFactor * base.scaleFactor),
    longestEdge: base.longestEdge,
  };
}
