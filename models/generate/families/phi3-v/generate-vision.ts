/**
 * The Phi-3-vision `vision_encoder` graph, computed like Phi3ImageEmbedding (hd_transform_order "sub_glb"): the
 * CLIP tower on every frame (global view + crops) read at hidden_states[−2] without the CLS row; each 24 × 24
 * patch map merged 2 × 2 into 12 × 12 rows of 4·D; the crops that `image_sizes` says are used (h/336 · w/336)
 * laid out as one (12h) × (12w) map with a learned newline (sub_GN) after every row; then the separator (glb_GN)
 * and the global view with its own newlines; the projector (linear, GELU, linear) maps each row to the text
 * width. One image per run (Tessera encodes images one at a time); the output is [rows, hidden].
 */
import type { Layers } from '../../nn.ts';
import { int, ints } from '../../../runtime/graph-builder.ts';
import { clipTower } from '../../vit-tower.ts';
import type { Phi3vDims } from './generate-dims.ts';

const EMBED = 'model.vision_embed_tokens';
const TOWER = `${EMBED}.img_processor.vision_model`;

export function buildPhi3vVisionEncoder(nn: Layers, dims: Phi3vDims): void {
  const g = nn.g;
  const { hidden: D, imageSize: M, patchSize: p } = dims.vision;
  const grid = M / p;
  const patches = grid * grid;
  const half = dims.mergedGrid;
  const merged = 4 * D;

  const pixels = g.input('pixel_values', 'float32', ['num_images', 'num_crops', 3, M, M]);
  const imageSizes = g.input('image_sizes', 'int64', ['num_images', 2]);
  const frames = g.op('Reshape', [pixels, g.i64([-1, 3, M, M])]);

  const h = clipTower(nn, frames, TOWER, dims.vision, dims.computedLayers);
  const patchRows = g.op('Slice', [h, g.i64([1]), g.i64([patches + 1]), g.i64([1])]);

  // 2 × 2 merge: [F, 24·24, D] → [F, 12, 2, 12, 2, D] → [F, 12, 12, 2, 2, D] → [F, 12, 12, 4D].
  const blocks = g.op('Reshape', [patchRows, g.i64([-1, half, 2, half, 2, D])]);
  const maps = g.op('Reshape', [
    g.op('Transpose', [blocks], { perm: ints([0, 1, 3, 2, 4, 5]) }),
    g.i64([-1, half, half, merged]),
  ]);

  const newline = g.op('Reshape', [
    nn.normal(`${EMBED}.sub_GN`, [1, 1, 1, merged], 1),
    g.i64([1, 1, merged]),
  ]);
  const withNewlines = (map: string, rows: string) => {
    const column = g.op('Expand', [newline, g.op('Concat', [rows, g.i64([1, merged])], { axis: int(0) })]);
    return g.op('Reshape', [g.op('Concat', [map, column], { axis: int(1) }), g.i64([-1, merged])]);
  };

  // The crop grid from image_sizes[0] = (H, W) of the padded canvas: h = H / 336 rows, w = W / 336 columns.
  const grid2 = g.op('Div', [
    g.op('Reshape', [g.op('Slice', [imageSizes, g.i64([0]), g.i64([1])]), g.i64([2])]),
    g.i64([M]),
  ]);
  const cropRows = g.op('Slice', [grid2, g.i64([0]), g.i64([1])]);
  const cropCols = g.op('Slice', [grid2, g.i64([1]), g.i64([2])]);
  const used = g.op('Mul', [cropRows, cropCols]);
  const crops = g.op('Slice', [maps, g.i64([1]), g.op('Add', [used, g.i64([1])]), g.i64([0])]);
  const cropGrid = g.op('Reshape', [
    crops,
    g.op('Concat', [cropRows, cropCols, g.i64([half, half, merged])], { axis: int(0) }),
  ]);
  const rowsOfSub = g.op('Mul', [cropRows, g.i64([half])]);
  const subMap = g.op('Reshape', [
    g.op('Transpose', [cropGrid], { perm: ints([0, 2, 1, 3, 4]) }),
    g.op('Concat', [rowsOfSub, g.op('Mul', [cropCols, g.i64([half])]), g.i64([merged])], { axis: int(0) }),
  ]);
  const sub = withNewlines(subMap, rowsOfSub);

  const globalMap = g.op('Gather', [maps, g.constant('int64', [], [0])], { axis: int(0) });
  const global = withNewlines(globalMap, g.i64([half]));
  const separator = g.op('Reshape', [nn.normal(`${EMBED}.glb_GN`, [1, 1, merged], 1), g.i64([1, merged])]);
  const rows = g.op('Concat', [sub, separator, global], { axis: int(0) });

  const T = dims.text.hidden;
  const up = nn.gelu(nn.linear(rows, `${EMBED}.img_projection.0`, merged, T, { bias: true }));
  const features = nn.linear(up, `${EMBED}.img_projection.2`, T, T, { bias: true });
  g.op('Identity', [features], undefined, 'image_features');
  g.output('image_features', 'float32', ['num_image_tokens', T]);
}
