/**
 * The CLIP and SigLIP vision towers several families run, with Hugging Face's weight names under `tower`
 * (`<tower>.embeddings.…`, `<tower>.encoder.layers.<i>.…`), and the LLaVA projector that follows them.
 */
import type { Layers } from './nn.ts';
import { int, ints } from '../runtime/graph-builder.ts';
import { type VitTowerDims, vitEncoderLayer } from './vit.ts';

/** Conv with stride = patch size over pixels [n, 3, M, M], flattened to [n, patches, D]. */
export function patchEmbeddings(
  nn: Layers,
  pixels: string,
  tower: string,
  dims: { hidden: number; patchSize: number },
  patches: number,
  options: { bias: boolean },
): string {
  const g = nn.g;
  const { hidden: D, patchSize: p } = dims;
  const weight = nn.normal(
    `${tower}.embeddings.patch_embedding.weight`,
    [D, 3, p, p],
    1 / Math.sqrt(3 * p * p),
  );
  const inputs = [pixels, weight];
  if (options.bias) inputs.push(nn.normal(`${tower}.embeddings.patch_embedding.bias`, [D], 0.02));
  const conv = g.op('Conv', inputs, { kernel_shape: ints([p, p]), strides: ints([p, p]) });
  return g.op('Transpose', [g.op('Reshape', [conv, g.i64([0, D, patches])])], { perm: ints([0, 2, 1]) });
}

/**
 * SigLIP: biased patch embeddings plus learned positions (no class row), then `dims.layers` encoder layers
 * with gelu-tanh. `keyBias` masks padded patches (SmolVLM); no post_layernorm, which only some families read.
 */
export function siglipTower(
  nn: Layers,
  pixels: string,
  tower: string,
  dims: VitTowerDims,
  patches: number,
  keyBias?: string,
): string {
  const g = nn.g;
  const D = dims.hidden;
  const embeds = patchEmbeddings(nn, pixels, tower, dims, patches, { bias: true });
  let h = g.op('Add', [
    embeds,
    nn.normal(`${tower}.embeddings.position_embedding.weight`, [patches, D], 0.3),
  ]);
  for (let i = 0; i < dims.layers; i++) {
    h = vitEncoderLayer(nn, h, `${tower}.encoder.layers.${i}`, dims, (x) => nn.geluTanh(x), keyBias);
  }
  return h;
}

/**
 * CLIP: unbiased patch embeddings behind a class row per frame, learned positions, pre_layrnorm, then the first
 * `computedLayers` encoder layers with quick_gelu — hidden_states[computedLayers], CLS row first.
 */
export function clipTower(
  nn: Layers,
  frames: string,
  tower: string,
  dims: VitTowerDims,
  computedLayers: number,
): string {
  const g = nn.g;
  const D = dims.hidden;
  const grid = dims.imageSize / dims.patchSize;
  const patches = grid * grid;
  const patchEmbeds = patchEmbeddings(nn, frames, tower, dims, patches, { bias: false });
  const frameCount = g.op('Slice', [g.op('Shape', [frames]), g.i64([0]), g.i64([1])]);
  const classRows = g.op('Expand', [
    g.op('Reshape', [nn.normal(`${tower}.embeddings.class_embedding`, [D], 1), g.i64([1, 1, D])]),
    g.op('Concat', [frameCount, g.i64([1, D])], { axis: int(0) }),
  ]);
  let h = g.op('Add', [
    g.op('Concat', [classRows, patchEmbeds], { axis: int(1) }),
    nn.normal(`${tower}.embeddings.position_embedding.weight`, [patches + 1, D], 0.3),
  ]);
  h = nn.layerNorm(h, `${tower}.pre_layrnorm`, D, dims.layerNormEps);
  for (let i = 0; i < computedLayers; i++) {
    h = vitEncoderLayer(nn, h, `${tower}.encoder.layers.${i}`, dims, (x) => nn.quickGelu(x));
  }
  return h;
}

/** LlavaMultiModalProjector: linear_1 (inF → outF), exact GELU, linear_2 (outF → outF), with biases. */
export function llavaProjector(nn: Layers, x: string, prefix: string, inF: number, outF: number): string {
  const up = nn.gelu(nn.linear(x, `${prefix}.linear_1`, inF, outF, { bias: true }));
  return nn.linear(up, `${prefix}.linear_2`, outF, outF, { bias: true });
}
