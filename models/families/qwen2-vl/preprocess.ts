/**
 * Qwen2-VL encoder inputs for one image, in Python's Qwen2VLImageProcessor order: resize the uint8 image to the
 * plan's size, rescale and normalise, repeat the frame temporal_patch_size times, and cut it into patch rows
 * `[grid_t · grid_h · grid_w, C · T · p · p]` ordered so each run of merge² rows is one merged 2×2 block:
 * the reshape (t, T, C, h/m, m, p, w/m, m, p) → transpose (0, 3, 6, 4, 7, 2, 1, 5, 8).
 */
import type { TilePlan } from '../../../app/tile-plan.ts';
import type { DecodedImage } from '../../image/decode.ts';
import type { TensorData } from '../../tensor.ts';
import type { ResizeKernel } from '../json-source.ts';
import { type PillowFilter, pillowResize } from '../pillow-resample.ts';
import { type Rgb, assertPlanFits, normalisationTable, resize } from '../pixels.ts';
import type { QwenConfig } from './config.ts';
import { FAMILY, gridThw } from './plan.ts';

const PILLOW_FILTERS: Record<ResizeKernel, PillowFilter | null> = {
  nearest: null,
  linear: 'bilinear',
  cubic: 'bicubic',
  lanczos3: 'lanczos',
};

export async function preprocessQwen(
  cfg: QwenConfig,
  image: DecodedImage,
  plan: TilePlan,
): Promise<Record<string, TensorData>> {
  assertPlanFits(FAMILY, image, plan);
  const { resized } = plan;
  // Shrinking runs in sharp (fast, within a few levels of Pillow); enlarging, where libvips samples off
  // Pillow's grid, runs in the port of Pillow (as the LLaVA family does).
  const enlarges = resized.width > image.width || resized.height > image.height;
  const filter = PILLOW_FILTERS[cfg.kernel];
  const pixels =
    enlarges && filter ? pillowResize(image, resized, filter) : await resize(image, resized, cfg.kernel);
  const grid = gridThw(cfg, plan);
  return {
    pixel_values: patchify(cfg, pixels, grid),
    [cfg.gridInputName]: { type: 'int64', dims: [1, 3], data: BigInt64Array.from(grid, (v) => BigInt(v)) },
  };
}

/** Patch rows of one normalised frame repeated over the temporal patch. */
export function patchify(cfg: QwenConfig, pixels: Rgb, [gridT, gridH, gridW]: readonly number[]): TensorData {
  const { patchSize: p, mergeSize: m, temporalPatchSize: T } = cfg;
  const lut = normalisationTable(cfg.rescaleFactor, cfg.imageMean, cfg.imageStd);
  const patchArea = p * p;
  const rowLength = 3 * T * patchArea;
  const rows = (gridT ?? 1) * (gridH ?? 0) * (gridW ?? 0);
  const out = new Float32Array(rows * rowLength);
  const src = pixels.data;
  const blocksW = (gridW ?? 0) / m;
  let row = 0;
  for (let bh = 0; bh < (gridH ?? 0) / m; bh++) {
    for (let bw = 0; bw < blocksW; bw++) {
      for (let mh = 0; mh < m; mh++) {
        for (let mw = 0; mw < m; mw++, row++) {
          const top = (bh * m + mh) * p;
          const left = (bw * m + mw) * p;
          const base = row * rowLength;
          for (let y = 0; y < p; y++) {
            for (let x = 0; x < p; x++) {
              const s = ((top + y) * pixels.width + left + x) * 3;
              for (let c = 0; c < 3; c++) {
                const value = lut[c * 256 + (src[s + c] as number)] as number;
                // Column c·T·p² + t·p² + y·p + x; every temporal copy of an image is the same frame.
                for (let t = 0; t < T; t++) out[base + (c * T + t) * patchArea + y * p + x] = value;
              }
            }
          }
        }
      }
    }
  }
  return { type: 'float32', dims: [rows, rowLength], data: out };
}
