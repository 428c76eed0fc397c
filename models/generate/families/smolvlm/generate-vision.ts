/**
 * The SmolVLM vision encoder graph, computed like Idefics3/SigLIP: drop padding frames, patch embedding,
 * learned positions, pre-norm encoder layers with a patch attention mask, post norm, then the connector
 * (pixel shuffle + linear projection to the text hidden size).
 */
import type { Layers } from '../../nn.ts';
import { type GraphBuilder, int, ints, onnxTypeCode } from '../../../runtime/graph-builder.ts';
import { siglipTower } from '../../vit-tower.ts';
import type { SmolVlmDims } from './generate-dims.ts';

/** Added to the attention scores of masked keys: large, but finite so a fully masked row stays a number. */
const MASKED = -1e9;

export function buildVisionEncoder(nn: Layers, dims: SmolVlmDims): void {
  const g = nn.g;
  const { hidden: D, imageSize: M, patchSize: p, layerNormEps: eps } = dims.vision;
  const grid = M / p;
  const patches = grid * grid;

  const pixels = g.input('pixel_values', 'float32', ['batch_size', 'num_images', 3, 'height', 'width']);
  const pixelMask = g.input('pixel_attention_mask', 'bool', ['batch_size', 'num_images', 'height', 'width']);

  // Batch × frames become one axis; a frame whose values are all 0.0 is padding and is dropped
  // (Idefics3's real_images_inds), except that the first frame is kept when every frame is padding.
  const frames = g.op('Reshape', [pixels, g.i64([-1, 3, M, M])]);
  const nonZero = g.op('ReduceMax', [g.op('Abs', [frames])], { axes: ints([1, 2, 3]), keepdims: int(0) });
  const isReal = g.op('Greater', [nonZero, g.f32(0)]);
  const frameCount = g.op('Gather', [g.op('Shape', [frames]), g.constant('int64', [], [0])], {
    axis: int(0),
  });
  const isFirst = g.op('Equal', [
    g.op('Range', [g.constant('int64', [], [0]), frameCount, g.constant('int64', [], [1])]),
    g.constant('int64', [], [0]),
  ]);
  const anyReal = g.op('ReduceMax', [g.op('Cast', [isReal], { to: int(onnxTypeCode('float32')) })], {
    axes: ints([0]),
    keepdims: int(0),
  });
  const noneReal = g.op('Equal', [anyReal, g.f32(0)]);
  const keep = g.op('Or', [isReal, g.op('And', [isFirst, noneReal])]);
  const realFrames = g.op('Compress', [frames, keep], { axis: int(0) });

  // A patch is attended when any of its pixels is; masked patches get a large negative key bias.
  const frameMask = g.op('Compress', [g.op('Reshape', [pixelMask, g.i64([-1, M, M])]), keep], {
    axis: int(0),
  });
  const maskFloat = g.op('Cast', [frameMask], { to: int(onnxTypeCode('float32')) });
  const patchMask = g.op('ReduceMax', [g.op('Reshape', [maskFloat, g.i64([-1, grid, p, grid, p])])], {
    axes: ints([2, 4]),
    keepdims: int(0),
  });
  const keyBias = g.op('Mul', [
    g.op('Sub', [g.op('Reshape', [patchMask, g.i64([-1, 1, 1, patches])]), g.f32(1)]),
    g.f32(-MASKED),
  ]);

  // Patch embedding: a convolution with stride = patch size, then [n, patches, D] plus learned positions.
  const prefix = 'model.vision_model';
  const encoded = siglipTower(nn, realFrames, prefix, dims.vision, patches, keyBias);
  const h = nn.layerNorm(encoded, `${prefix}.post_layernorm`, D, eps);

  const s = dims.scaleFactor;
  const shuffled = pixelShuffle(g, h, grid, D, s);
  const features = nn.linear(
    shuffled,
    'model.connector.modality_projection.proj',
    D * s * s,
    dims.text.hidden,
  );
  g.op('Identity', [features], undefined, 'image_features');
  g.output('image_features', 'float32', ['num_real_images', 'image_seq_len', dims.text.hidden]);
}

/**
 * Idefics3Connector.pixel_shuffle on x [n, grid², D] → [n, grid²/s², D·s²]: the same view/permute sequence,
 * so s×s neighbouring patches are folded into channels in the order the real projection expects.
 */
export function pixelShuffle(g: GraphBuilder, x: string, grid: number, D: number, s: number): string {
  let y = g.op('Reshape', [x, g.i64([-1, grid, grid / s, D * s])]);
  y = g.op('Transpose', [y], { perm: ints([0, 2, 1, 3]) });
  y = g.op('Reshape', [y, g.i64([-1, grid / s, grid / s, D * s * s])]);
  y = g.op('Transpose', [y], { perm: ints([0, 2, 1, 3]) });
  return g.op('Reshape', [y, g.i64([-1, (grid * grid) / (s * s), D * s * s])]);
}
