/**
 * The pre-norm ViT encoder layer that SigLIP (SmolVLM) and CLIP (LLaVA) share, with Hugging Face's weight
 * names: layer_norm1, self_attn.{q,k,v,out}_proj (with biases), layer_norm2, mlp.fc1, mlp.fc2. Whole towers
 * built from it are in vit-tower.ts.
 */
import type { Layers } from './nn.ts';
import { int, ints } from '../runtime/graph-builder.ts';

export interface VitLayerDims {
  hidden: number;
  intermediate: number;
  heads: number;
  layerNormEps: number;
}

/** A whole CLIP or SigLIP tower's `vision_config`, in the generators' words. */
export interface VitTowerDims extends VitLayerDims {
  layers: number;
  imageSize: number;
  patchSize: number;
}

/**
 * h + attn(ln1(h)), then + fc2(act(fc1(ln2(h)))). `keyBias` [n, 1, 1, tokens], where given, is added to the
 * attention scores (a large negative value masks a key).
 */
export function vitEncoderLayer(
  nn: Layers,
  h: string,
  name: string,
  dims: VitLayerDims,
  act: (x: string) => string,
  keyBias?: string,
): string {
  const g = nn.g;
  const { hidden: D, intermediate, layerNormEps: eps } = dims;
  const attn = selfAttention(
    nn,
    nn.layerNorm(h, `${name}.layer_norm1`, D, eps),
    `${name}.self_attn`,
    dims,
    keyBias,
  );
  h = g.op('Add', [h, attn]);
  const x = nn.layerNorm(h, `${name}.layer_norm2`, D, eps);
  const up = act(nn.linear(x, `${name}.mlp.fc1`, D, intermediate, { bias: true }));
  return g.op('Add', [h, nn.linear(up, `${name}.mlp.fc2`, intermediate, D, { bias: true })]);
}

/** Multi-head self-attention with biases, scores scaled by 1/√headDim. */
export function selfAttention(
  nn: Layers,
  x: string,
  name: string,
  dims: { hidden: number; heads: number },
  keyBias?: string,
): string {
  const g = nn.g;
  const { hidden: D, heads } = dims;
  const headDim = D / heads;
  const split = (t: string, perm: number[]) =>
    g.op('Transpose', [g.op('Reshape', [t, g.i64([0, 0, heads, headDim])])], { perm: ints(perm) });
  const q = split(nn.linear(x, `${name}.q_proj`, D, D, { bias: true }), [0, 2, 1, 3]);
  const kT = split(nn.linear(x, `${name}.k_proj`, D, D, { bias: true }), [0, 2, 3, 1]);
  const v = split(nn.linear(x, `${name}.v_proj`, D, D, { bias: true }), [0, 2, 1, 3]);
  const scaled = g.op('Mul', [g.op('MatMul', [q, kT]), g.f32(1 / Math.sqrt(headDim))]);
  const scores = keyBias ? g.op('Add', [scaled, keyBias]) : scaled;
  const context = g.op('MatMul', [g.op('Softmax', [scores], { axis: int(-1) }), v]);
  const merged = g.op('Reshape', [
    g.op('Transpose', [context], { perm: ints([0, 2, 1, 3]) }),
    g.i64([0, 0, D]),
  ]);
  return nn.linear(merged, `${name}.out_proj`, D, D, { bias: true });
}
