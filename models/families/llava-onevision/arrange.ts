/**
 * From the vision encoder's rows to the rows the language model takes, as Python's
 * LlavaOnevisionModel.pack_image_features does: the base view's rows first; then the crops' rows laid out as one
 * feature grid (rows × cols views of side × side cells), unpadded to the image's aspect ratio, shrunk bilinearly
 * when it exceeds anyres_max_N, and read row by row with the `image_newline` vector after each row. A single view
 * (detail `low`) is its rows plus one newline row.
 *
 * The encoder returns views · side² rows and then the learned `image_newline` as one more row: LLaVA-OneVision's
 * newline is a model weight outside the vision tower and the family interface hands this hook nothing but rows.
 */
import type { TilePlan } from '../../../app/tile-plan.ts';
import { TesseraError } from '../../errors.ts';
import { anyresLayout } from './anyres.ts';
import type { OnevisionConfig } from './config.ts';

export function arrangeOnevision(
  cfg: OnevisionConfig,
  rows: Float32Array,
  hidden: number,
  plan: TilePlan,
): Float32Array {
  const side = cfg.featureSide;
  const cells = side * side;
  const views = 1 + plan.tiles.length;
  const got = rows.length / hidden;
  if (got !== views * cells + 1) {
    throw new TesseraError(
      'MODEL_GRAPH_MISMATCH',
      `The vision encoder returned ${got} feature rows for ${views} view(s); Tessera's LLaVA-OneVision needs ` +
        `${views} × ${cells} view rows followed by the image_newline row (${views * cells + 1}). ` +
        'The vision_encoder graph does not match this family; export it with the image_newline row.',
    );
  }
  const row = (index: number) => rows.subarray(index * hidden, (index + 1) * hidden);
  const newline = row(views * cells);
  const out = new Float32Array(plan.imageTokens * hidden);
  out.set(rows.subarray(0, cells * hidden));
  if (views === 1) {
    out.set(newline, cells * hidden);
    return out;
  }

  const layout = anyresLayout(plan.original, cfg);
  const { unpadded, final } = layout;
  // The unpadded grid, cell (y, x) read from crop (y // side, x // side) of the encoder output.
  const grid = new Float32Array(unpadded.width * unpadded.height * hidden);
  for (let y = 0; y < unpadded.height; y++) {
    const gy = y + unpadded.top;
    for (let x = 0; x < unpadded.width; x++) {
      const gx = x + unpadded.left;
      const view = 1 + Math.floor(gy / side) * layout.cols + Math.floor(gx / side);
      const cell = (gy % side) * side + (gx % side);
      grid.set(row(view * cells + cell), (y * unpadded.width + x) * hidden);
    }
  }
  const shrunk =
    final.width === unpadded.width && final.height === unpadded.height
      ? grid
      : bilinear(grid, unpadded, final, hidden);
  let at = cells * hidden;
  for (let y = 0; y < final.height; y++) {
    out.set(shrunk.subarray(y * final.width * hidden, (y + 1) * final.width * hidden), at);
    at += final.width * hidden;
    out.set(newline, at);
    at += hidden;
  }
  if (at !== out.length) {
    throw new TesseraError(
      'INTERNAL',
      `LLaVA-OneVision arranged ${at / hidden} rows for ${plan.imageTokens} tokens.`,
    );
  }
  return out;
}

type Grid = { width: number; height: number };

/** torch.nn.functional.interpolate(mode="bilinear", align_corners=False) of an [h, w, hidden] grid. */
export function bilinear(src: Float32Array, from: Grid, to: Grid, hidden: number): Float32Array {
  const out = new Float32Array(to.width * to.height * hidden);
  const axis = (dst: number, inSize: number, outSize: number) => {
    const s = Math.max(0, (dst + 0.5) * (inSize / outSize) - 0.5);
    const i0 = Math.min(Math.floor(s), inSize - 1);
    return { i0, i1: Math.min(i0 + 1, inSize - 1), t: s - i0 };
  };
  for (let y = 0; y < to.height; y++) {
    const ay = axis(y, from.height, to.height);
    for (let x = 0; x < to.width; x++) {
      const ax = axis(x, from.width, to.width);
      const o = (y * to.width + x) * hidden;
      const p00 = (ay.i0 * from.width + ax.i0) * hidden;
      const p01 = (ay.i0 * from.width + ax.i1) * hidden;
      const p10 = (ay.i1 * from.width + ax.i0) * hidden;
      const p11 = (ay.i1 * from.width + ax.i1) * hidden;
      for (let k = 0; k < hidden; k++) {
        const top = (src[p00 + k] as number) * (1 - ax.t) + (src[p01 + k] as number) * ax.t;
        const bottom = (src[p10 + k] as number) * (1 - ax.t) + (src[p11 + k] as number) * ax.t;
        out[o + k] = top * (1 - ay.t) + bottom * ay.t;
      }
    }
  }
  return out;
}
