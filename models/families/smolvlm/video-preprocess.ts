/**
 * SmolVLM2 encoder inputs for one video: every sampled frame one M×M global view, stacked in frame order as
 * `pixel_values` [1, frames, 3, M, M] with an all-ones `pixel_attention_mask`, as SmolVLMVideoProcessor gives
 * them for a single video (nothing to pad). Frames are resized straight to M×M with the model's kernel; Python
 * first resizes to `video_size` on the long edge and then squashes to M×M (torch bicubic), so pixels are close
 * to Python's, not equal.
 */
import type { VideoPlan } from '../../../app/video-plan.ts';
import { assertOwnVideoPlan } from '../family.ts';
import type { TensorData } from '../../tensor.ts';
import { type Rgb, normalisationTable, resize } from '../pixels.ts';
import type { SmolVlmConfig } from './config.ts';
import { FAMILY } from './plan.ts';
import { writeFrame } from './preprocess.ts';

export async function preprocessSmolVlmVideo(
  cfg: SmolVlmConfig,
  frames: readonly Rgb[],
  plan: VideoPlan,
): Promise<Record<string, TensorData>> {
  assertOwnVideoPlan(plan, FAMILY, frames.length);
  const m = cfg.tileSize;
  const frameSize = 3 * m * m;
  const lut = normalisationTable(cfg.rescaleFactor, cfg.imageMean, cfg.imageStd);
  // Decoders usually deliver frames at the plan's M×M already; then resize is a no-op.
  const views = await Promise.all(frames.map((frame) => resize(frame, { width: m, height: m }, cfg.kernel)));
  const out = new Float32Array(frames.length * frameSize);
  views.forEach((view, i) => writeFrame(lut, view, 0, 0, m, out, i * frameSize));
  return {
    pixel_values: { type: 'float32', dims: [1, frames.length, 3, m, m], data: out },
    pixel_attention_mask: {
      type: 'bool',
      dims: [1, frames.length, m, m],
      data: new Uint8Array(frames.length * m * m).fill(1),
    },
  };
}
