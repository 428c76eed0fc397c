/**
 * The LFM2-VL vision encoder graph with the real export's I/O — pixel_values [T, max_patches, 3·p²],
 * pixel_attention_mask [T, max_patches], spatial_shapes [T, 2] → image_features [tokens, text hidden] — computed
 * like Lfm2VlModel.get_image_features: SigLIP2 NaFlex embeddings (a linear patch embedding plus the learned
 * position grid resized bilinearly, align_corners=False, to each view's patch grid; the antialiasing torch adds
 * when a grid shrinks is left out), pre-norm layers with padded patches masked as keys, post_layernorm; then each
 * view's real patches are pixel-unshuffled (every 2×2 block → one row, channels ordered row-major over the block)
 * and projected (layer_norm, linear_1, GELU, linear_2). Padding rows never reach the output.
 */
import type { Layers } from '../../nn.ts';
import { int, onnxTypeCode } from '../../../runtime/graph-builder.ts';
import { vitEncoderLayer } from '../../vit.ts';
import type { Lfm2VlDims } from './generate-dims.ts';

const TOWER = 'model.vision_tower.vision_model';
const PROJECTOR = 'model.multi_modal_projector';
const MASKED = -1e9;

export function buildVisionEncoder(nn: Layers, dims: Lfm2VlDims): void {
  const g = nn.g;
  const { hidden: D, patchSize: p, positionSide: G, layerNormEps: eps } = dims.vision;
  const patchDim = 3 * p * p;
  const pixels = g.input('pixel_values', 'float32', ['batch_size', 'max_num_patches', patchDim]);
  const mask = g.input('pixel_attention_mask', 'int64', ['batch_size', 'max_num_patches']);
  const shapes = g.input('spatial_shapes', 'int64', ['batch_size', 2]);
  const i64 = (v: number) => g.constant('int64', [], [v]);
  const toFloat = (x: string) => g.op('Cast', [x], { to: int(onnxTypeCode('float32')) });
  const toInt = (x: string) => g.op('Cast', [x], { to: int(onnxTypeCode('int64')) });
  const dim = (x: string, axis: number) => g.op('Gather', [g.op('Shape', [x]), i64(axis)], { axis: int(0) });
  const views = dim(pixels, 0);
  const maxPatches = dim(pixels, 1);
  const rowsOf = g.op('Slice', [shapes, g.i64([0]), g.i64([1]), g.i64([1])]); // [T, 1] patch rows
  const colsOf = g.op('Slice', [shapes, g.i64([1]), g.i64([2]), g.i64([1])]); // [T, 1] patch cols

  // Patch k of a view sits at row k / cols, column k % cols (padding rows land past the grid and are clamped).
  const k = g.op('Range', [i64(0), maxPatches, i64(1)]);
  const row = g.op('Div', [k, colsOf]);
  const col = g.op('Sub', [k, g.op('Mul', [row, colsOf])]);
  const source = (index: string, count: string) => {
    const scaled = g.op('Mul', [
      g.op('Add', [toFloat(index), g.f32(0.5)]),
      g.op('Div', [g.f32(G), toFloat(count)]),
    ]);
    const at = g.op('Min', [g.op('Max', [g.op('Sub', [scaled, g.f32(0.5)]), g.f32(0)]), g.f32(G - 1)]);
    const low = g.op('Floor', [at]);
    return {
      low,
      high: g.op('Min', [g.op('Add', [low, g.f32(1)]), g.f32(G - 1)]),
      frac: g.op('Sub', [at, low]),
    };
  };
  const y = source(row, rowsOf);
  const x = source(col, colsOf);
  const table = nn.normal(`${TOWER}.embeddings.position_embedding.weight`, [G * G, D], 0.3);
  const corner = (yy: string, xx: string, weight: string) =>
    g.op('Mul', [
      g.op('Gather', [table, toInt(g.op('Add', [g.op('Mul', [yy, g.f32(G)]), xx]))], { axis: int(0) }),
      g.op('Unsqueeze', [weight, g.i64([-1])]),
    ]);
  const oneMinus = (f: string) => g.op('Sub', [g.f32(1), f]);
  const positions = [
    corner(y.low, x.low, g.op('Mul', [oneMinus(y.frac), oneMinus(x.frac)])),
    corner(y.low, x.high, g.op('Mul', [oneMinus(y.frac), x.frac])),
    corner(y.high, x.low, g.op('Mul', [y.frac, oneMinus(x.frac)])),
    corner(y.high, x.high, g.op('Mul', [y.frac, x.frac])),
  ].reduce((sum, term) => g.op('Add', [sum, term]));
  const patches = nn.linear(pixels, `${TOWER}.embeddings.patch_embedding`, patchDim, D, {
    bias: true,
    std: 1 / Math.sqrt(patchDim),
  });
  let h = g.op('Add', [patches, positions]);

  // Padded patches are masked as keys: [T, 1, 1, P].
  const keyBias = g.op('Unsqueeze', [g.op('Mul', [oneMinus(toFloat(mask)), g.f32(MASKED)]), g.i64([1, 2])]);
  for (let i = 0; i < dims.vision.layers; i++) {
    h = vitEncoderLayer(nn, h, `${TOWER}.encoder.layers.${i}`, dims.vision, (v) => nn.geluTanh(v), keyBias);
  }
  h = nn.layerNorm(h, `${TOWER}.post_layernorm`, D, eps);

  // Pixel unshuffle: output row q of a view is block (i, j) = (q / (cols/2), q % (cols/2)); it gathers the
  // patches (2i + a, 2j + b) for (a, b) = (0,0), (0,1), (1,0), (1,1).
  const f = dims.geometry.downsampleFactor;
  const blockCols = g.op('Div', [colsOf, i64(f)]);
  const blocks = g.op('Mul', [g.op('Div', [rowsOf, i64(f)]), blockCols]); // [T, 1] real output rows
  const q = g.op('Range', [i64(0), g.op('Div', [maxPatches, i64(f * f)]), i64(1)]);
  const bi = g.op('Div', [q, blockCols]);
  const bj = g.op('Sub', [q, g.op('Mul', [bi, blockCols])]);
  const first = g.op('Add', [g.op('Mul', [g.op('Mul', [bi, i64(f)]), colsOf]), g.op('Mul', [bj, i64(f)])]);
  const offsets: string[] = [];
  for (let a = 0; a < f; a++)
    for (let b = 0; b < f; b++) offsets.push(g.op('Add', [g.op('Mul', [colsOf, i64(a)]), i64(b)]));
  const offset = g.op('Unsqueeze', [g.op('Concat', offsets, { axis: int(1) }), g.i64([1])]); // [T, 1, f²]
  const inView = g.op('Min', [
    g.op('Add', [g.op('Unsqueeze', [first, g.i64([2])]), offset]),
    g.op('Sub', [maxPatches, i64(1)]),
  ]);
  const viewStart = g.op('Unsqueeze', [
    g.op('Mul', [g.op('Range', [i64(0), views, i64(1)]), maxPatches]),
    g.i64([1, 2]),
  ]);
  const flat = g.op('Reshape', [h, g.i64([-1, D])]);
  const gathered = g.op('Gather', [flat, g.op('Add', [inView, viewStart])], { axis: int(0) }); // [T, Q, f², D]
  const unshuffled = g.op('Reshape', [gathered, g.i64([-1, f * f * D])]);
  const real = g.op('Reshape', [g.op('Less', [q, blocks]), g.i64([-1])]);
  const rows = g.op('Compress', [unshuffled, real], { axis: int(0) });

  const projected = nn.gelu(
    nn.linear(
      nn.layerNorm(rows, `${PROJECTOR}.layer_norm`, f * f * D, 1e-5),
      `${PROJECTOR}.linear_1`,
      f * f * D,
      dims.projectorHidden,
      {
        bias: true,
      },
    ),
  );
  const T = dims.text.hidden;
  g.op(
    'Identity',
    [nn.linear(projected, `${PROJECTOR}.linear_2`, dims.projectorHidden, T, { bias: true })],
    undefined,
    'image_features',
  );
  g.output('image_features', 'float32', ['num_image_tokens', T]);
}
