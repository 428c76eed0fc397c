/**
 * Dimensions of the generated LFM2-VL models.
 *
 * LFM2-VL-450M (SigLIP2-NaFlex base, 86 M + LFM2-350M) keeps every number that shapes the interfaces in
 * `realistic`: 16-pixel patches, 512-pixel tiles, 1024 patch rows per view, the 2×2 pixel-unshuffle projector,
 * a hybrid decoder with conv layers (L_cache 3) and grouped-query attention layers with head_dim 64, a 65 536-id
 * vocabulary, rope_theta 1 000 000 — and scales widths and depths down. `tiny` also shrinks the image geometry
 * (8-pixel patches, 64-pixel tiles, at most 16 tokens a view) so tests encode tiled images in milliseconds.
 *
 * |                          | LFM2-VL-450M | realistic | tiny |
 * | ------------------------ | ------------ | --------- | ---- |
 * | vision hidden / MLP      | 768 / 3072   | 256 / 1024 | 32 / 64 |
 * | vision layers / heads    | 12 / 12      | 4 / 4     | 2 / 2 |
 * | patch / tile / positions | 16 / 512 / 16² | 16 / 512 / 16² | 8 / 64 / 4² |
 * | projector hidden         | 2560         | 512       | 64   |
 * | text hidden / MLP        | 1024 / 4608  | 512 / 1536 | 64 / 128 |
 * | text layers (attention)  | 16 (6)       | 8 (3)     | 4 (2) |
 * | heads (kv) / head_dim    | 16 (8) / 64  | 8 (4) / 64 | 4 (2) / 16 |
 * | vocab (tokenizer)        | 65536 (65536) | 65536 (65536) | 576 (512) |
 */
import { resolveContextLength } from '../../context-length.ts';
import type { ModelSize } from '../../types.ts';

export type Lfm2LayerType = 'conv' | 'full_attention';

export interface Lfm2TextDims {
  hidden: number;
  intermediate: number;
  layerTypes: readonly Lfm2LayerType[];
  heads: number;
  kvHeads: number;
  headDim: number;
  /** Width of the short convolution and of its state. */
  convCache: number;
  vocabSize: number;
  maxPositions: number;
  ropeTheta: number;
  normEps: number;
}

export interface Lfm2VisionDims {
  hidden: number;
  intermediate: number;
  layers: number;
  heads: number;
  patchSize: number;
  /** Side of the learned position grid (num_patches = side²), resized to each view's patch grid. */
  positionSide: number;
  layerNormEps: number;
}

export interface Lfm2VlGeometry {
  tileSize: number;
  minTiles: number;
  maxTiles: number;
  minImageTokens: number;
  maxImageTokens: number;
  downsampleFactor: number;
  /** Patch rows per view in pixel_values. */
  maxNumPatches: number;
}

export interface Lfm2VlDims {
  vision: Lfm2VisionDims;
  text: Lfm2TextDims;
  geometry: Lfm2VlGeometry;
  projectorHidden: number;
  tokenizerVocab: number;
}

export function lfm2VlDims(size: ModelSize, options: { contextLength?: number } = {}): Lfm2VlDims {
  const contextLength = resolveContextLength(
    'lfm2-vl',
    options.contextLength,
    size === 'tiny' ? 4096 : 32768,
  );
  const text = { maxPositions: contextLength, ropeTheta: 1000000, normEps: 1e-5, convCache: 3 };
  if (size === 'tiny') {
    return {
      vision: {
        hidden: 32,
        intermediate: 64,
        layers: 2,
        heads: 2,
        patchSize: 8,
        positionSide: 4,
        layerNormEps: 1e-6,
      },
      text: {
        ...text,
        hidden: 64,
        intermediate: 128,
        layerTypes: ['conv', 'full_attention', 'conv', 'full_attention'],
        heads: 4,
        kvHeads: 2,
        headDim: 16,
        vocabSize: 576,
      },
      geometry: geometry(8, 64, 4, 16, 4),
      projectorHidden: 64,
      tokenizerVocab: 512,
    };
  }
  const conv = 'conv' as const;
  const attention = 'full_attention' as const;
  return {
    vision: {
      hidden: 256,
      intermediate: 1024,
      layers: 4,
      heads: 4,
      patchSize: 16,
      positionSide: 16,
      layerNormEps: 1e-6,
    },
    text: {
      ...text,
      hidden: 512,
      intermediate: 1536,
      layerTypes: [conv, conv, attention, conv, conv, attention, conv, attention],
      heads: 8,
      kvHeads: 4,
      headDim: 64,
      vocabSize: 65536,
    },
    geometry: geometry(16, 512, 64, 256, 10),
    projectorHidden: 512,
    tokenizerVocab: 65536,
  };
}

function geometry(
  patch: number,
  tileSize: number,
  minImageTokens: number,
  maxImageTokens: number,
  maxTiles: number,
): Lfm2VlGeometry {
  const downsampleFactor = 2;
  return {
    tileSize,
    minTiles: 2,
    maxTiles,
    minImageTokens,
    maxImageTokens,
    downsampleFactor,
    maxNumPatches: Math.max(maxImageTokens * downsampleFactor ** 2, (tileSize / patch) ** 2),
  };
}
