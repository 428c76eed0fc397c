/**
 * Qwen2-VL encoder inputs for one video, in Python's order (Qwen2VLImageProcessor `_preprocess` on the
 * sampled frames): every frame resized to the plan's size, rescaled and normalised, then the frames stacked
 * (n, C, H, W) → reshape (n / T, T, C, h/m, m, p, w/m, m, p) → transpose (0, 3, 6, 4, 7, 2, 1, 5, 8) →
 * `[grid_t · grid_h · grid_w, C · T · p · p]`: frame pair k's patches come after pair k − 1's, each row holds
 * both frames of its pair (columns c · T · p² + t · p² + y · p + x), and each run of merge² rows is one
 * merged 2×2 block. An image is the special case of one frame repeated T times (preprocess.ts).
 *
 * Python feeds these as `pixel_values_videos` / `video_grid_thw` to the same vision tower as images, so the
 * feeds carry the encoder graph's own input names.
 */
import type { VideoPlan } from '../../../app/video-plan.ts';
import { TesseraError } from '../../errors.ts';
import { assertOwnVideoPlan } from '../family.ts';
import type { TensorData } from '../../tensor.ts';
import { type Rgb, normalisationTable, resize } from '../pixels.ts';
import type { QwenConfig } from './config.ts';
import { FAMILY } from './plan.ts';
import { videoGridThw } from './video-plan.ts';

export async function preprocessQwenVideo(
  cfg: QwenConfig,
  frames: readonly Rgb[],
  plan: VideoPlan,
): Promise<Record<string, TensorData>> {
  assertOwnVideoPlan(plan, FAMILY, frames.length);
  // Decoders usually deliver frames at the plan's size already; then resize is a no-op.
  const resized = await Promise.all(frames.map((frame) => resize(frame, plan.resized, cfg.kernel)));
  const grid = videoGridThw(cfg, plan);
  return {
    pixel_values: patchifyFrames(cfg, resized, grid),
    [cfg.gridInputName]: { type: 'int64', dims: [1, 3], data: BigInt64Array.from(grid, (v) => BigInt(v)) },
  };
}

/** Patch rows of equal-size normalised frames, grid_t · T of them, in the processor's order. */
export function patchifyFrames(
  cfg: QwenConfig,
  frames: readonly Rgb[],
  [gridT, gridH, gridW]: readonly [number, number, number],
): TensorData {
  const { patchSize: p, mergeSize: m, temporalPatchSize: T } = cfg;
  const width = frames[0]?.width ?? 0;
  if (frames.length !== gridT * T || frames.some((f) => f.width !== width || f.height !== gridH * p)) {
    throw new TesseraError(
      'INTERNAL',
      `Video frames do not fit the grid [${gridT}, ${gridH}, ${gridW}]: ${frames.length} frames, ` +
        `the first ${width}×${frames[0]?.height ?? 0}.`,
    );
  }
  const lut = normalisationTable(cfg.rescaleFactor, cfg.imageMean, cfg.imageStd);
  const patchArea = p * p;
  const rowLength = 3 * T * patchArea;
  const out = new Float32Array(gridT * gridH * gridW * rowLength);
  let row = 0;
  for (let pair = 0; pair < gridT; pair++) {
    for (let bh = 0; bh < gridH / m; bh++) {
      for (let bw = 0; bw < gridW / m; bw++) {
        for (let mh = 0; mh < m; mh++) {
          for (let mw = 0; mw < m; mw++, row++) {
            const top = (bh * m + mh) * p;
            const left = (bw * m + mw) * p;
            const base = row * rowLength;
            for (let t = 0; t < T; t++) {
              const src = (frames[pair * T + t] as Rgb).data;
              for (let y = 0; y < p; y++) {
                for (let x = 0; x < p; x++) {
                  const s = ((top + y) * width + left + x) * 3;
                  for (let c = 0; c < 3; c++) {
                    out[base + (c * T + t) * patchArea + y * p + x] = lut[
                      c * 256 + (src[s + c] as number)
                    ] as number;
                  }
                }
              }
            }
          }
        }
      }
    }
  }
  return { type: 'float32', dims: [gridT * gridH * gridW, rowLength], data: out };
}
