/**
 * Qwen2-VL / Qwen2.5-VL video arithmetic, following qwen-vl-utils (`qwen_vl_utils/vision_process.py` as in
 * QwenLM/Qwen2.5-VL, the package Qwen's model cards use to read a video): how many frames to sample
 * (`smart_nframes`), which ones (`torch.linspace(0, total − 1, n).round()`), and the size every frame is
 * resized to (`fetch_video`: `smart_resize` with a per-frame budget that shrinks as the frame count grows).
 * Then Qwen2VLImageProcessor fuses each pair of frames into one temporal patch (`temporal_patch_size` 2):
 * `video_grid_thw = [frames / 2, height / 14, width / 14]`, and every 2×2 merged patch of every temporal
 * patch becomes one `<|video_pad|>` token.
 *
 * The frames are resized once, here; Qwen2VLImageProcessor's own smart_resize with the image budget leaves a
 * size that is already a multiple of 28 and inside it unchanged.
 */
import type { Size } from '../../../app/tile-plan.ts';
import type { SampledFrame, VideoPlan, VideoSampling, VideoSource } from '../../../app/video-plan.ts';
import { TesseraError } from '../../errors.ts';
import type { QwenConfig } from './config.ts';
import { FAMILY, roundHalfEven, smartResize } from './plan.ts';

/** qwen-vl-utils' module constants (vision_process.py). */
export const VIDEO_DEFAULTS = {
  /** FPS: frames sampled per second of video. */
  fps: 2.0,
  /** FPS_MIN_FRAMES / FPS_MAX_FRAMES: the clamp on the sampled count. */
  minFrames: 4,
  maxFrames: 768,
  /** VIDEO_MIN_PIXELS / VIDEO_MAX_PIXELS: one frame's pixel budget. */
  minPixels: 128 * 28 * 28,
  maxPixels: 768 * 28 * 28,
  /** VIDEO_TOTAL_PIXELS: the budget of all frames together, counted per temporal patch. */
  totalPixels: 24576 * 28 * 28,
} as const;

/** Python's round_by_factor / ceil_by_factor / floor_by_factor (round() sends halves to the even side). */
const roundBy = (n: number, f: number): number => roundHalfEven(n / f) * f;
const ceilBy = (n: number, f: number): number => Math.ceil(n / f) * f;
const floorBy = (n: number, f: number): number => Math.floor(n / f) * f;

/**
 * qwen-vl-utils `smart_nframes` with `fps` (no fixed `nframes`): the clip's duration × fps, clamped to
 * [min_frames rounded up, max_frames (at most the clip's frames) rounded down] and rounded to the temporal
 * patch size — Python's round, so 5 frames become 4 and 7 become 8.
 */
export function sampledFrameCount(source: VideoSource, sampling: VideoSampling, factor: number): number {
  const fps = sampling.fps ?? VIDEO_DEFAULTS.fps;
  const minFrames = ceilBy(sampling.minFrames ?? VIDEO_DEFAULTS.minFrames, factor);
  const maxFrames = floorBy(
    sampling.maxFrames ?? Math.min(VIDEO_DEFAULTS.maxFrames, source.totalFrames),
    factor,
  );
  const wanted = (source.totalFrames / source.frameRate) * fps;
  const count = roundBy(Math.min(Math.max(wanted, minFrames), maxFrames), factor);
  if (count < factor || count > source.totalFrames) {
    throw new TesseraError(
      'BAD_REQUEST',
      `The video has ${source.totalFrames} frame(s) and the sampling settings give ${count}; Qwen2-VL needs ` +
        `between ${factor} and the clip's frame count. Send a longer clip, raise the maximum number of ` +
        'frames, or send a single frame as an image.',
    );
  }
  return count;
}

/**
 * The frames `torch.linspace(0, total − 1, count).round()` picks. With an even count the exact values are
 * never halfway between two frames, so JS rounding and torch's half-to-even agree.
 */
export function sampledFrames(source: VideoSource, count: number): SampledFrame[] {
  const last = source.totalFrames - 1;
  return Array.from({ length: count }, (_, i) => {
    const index = count === 1 ? 0 : Math.round((last * i) / (count - 1));
    return { index, seconds: index / source.frameRate };
  });
}

/**
 * fetch_video's per-frame budget: `max(min(VIDEO_MAX_PIXELS, VIDEO_TOTAL_PIXELS / frames × 2),
 * int(VIDEO_MIN_PIXELS × 1.05))` — a long video gets smaller frames, never below just over the minimum.
 */
export function videoMaxPixels(frames: number, temporalPatchSize: number): number {
  const share = (VIDEO_DEFAULTS.totalPixels / frames) * temporalPatchSize;
  return Math.max(Math.min(VIDEO_DEFAULTS.maxPixels, share), Math.floor(VIDEO_DEFAULTS.minPixels * 1.05));
}

export function planQwenVideo(cfg: QwenConfig, source: VideoSource, sampling: VideoSampling = {}): VideoPlan {
  checkSource(source);
  checkSampling(sampling);
  const temporalPatchSize = cfg.temporalPatchSize;
  const count = sampledFrameCount(source, sampling, temporalPatchSize);
  const frames = sampledFrames(source, count);
  const factor = cfg.patchSize * cfg.mergeSize;
  const original: Size = { width: source.size.width, height: source.size.height };
  const resized = smartResize(
    original,
    factor,
    VIDEO_DEFAULTS.minPixels,
    videoMaxPixels(count, temporalPatchSize),
  );
  const rows = resized.height / factor;
  const cols = resized.width / factor;
  const temporal = count / temporalPatchSize;
  const tokensPerTemporalPatch = rows * cols;
  const videoTokens = temporal * tokensPerTemporalPatch;
  // qwen-vl-utils' sample fps, from which Qwen2.5-VL's processor takes second_per_grid_ts.
  const sampleFps = (count / source.totalFrames) * source.frameRate;
  return {
    family: FAMILY,
    original,
    resized,
    durationSeconds: source.totalFrames / source.frameRate,
    frames,
    temporalPatchSize,
    sampleFps,
    secondsPerTemporalPatch: temporalPatchSize / sampleFps,
    grid: { temporal, rows, cols },
    tokensPerTemporalPatch,
    videoTokens,
    // <|vision_start|> and <|vision_end|> around the <|video_pad|> run.
    promptTokens: videoTokens + 2,
  };
}

/** video_grid_thw of the video the plan describes: [temporal patches, patch rows, patch columns]. */
export function videoGridThw(cfg: QwenConfig, plan: VideoPlan): [number, number, number] {
  return [plan.grid.temporal, plan.grid.rows * cfg.mergeSize, plan.grid.cols * cfg.mergeSize];
}

function checkSource({ size, totalFrames, frameRate }: VideoSource): void {
  const { width, height } = size;
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) {
    throw new TesseraError(
      'BAD_REQUEST',
      `A video frame size must be whole positive pixels, got ${width} × ${height}.`,
    );
  }
  if (!(Number.isInteger(totalFrames) && totalFrames > 0)) {
    throw new TesseraError(
      'BAD_REQUEST',
      `A video's frame count must be a whole positive number, got ${totalFrames}.`,
    );
  }
  if (!(Number.isFinite(frameRate) && frameRate > 0)) {
    throw new TesseraError('BAD_REQUEST', `A video's frame rate must be positive, got ${frameRate}.`);
  }
}

function checkSampling({ fps, minFrames, maxFrames }: VideoSampling): void {
  if (fps !== undefined && !(Number.isFinite(fps) && fps > 0)) {
    throw new TesseraError(
      'BAD_REQUEST',
      `The sampling rate must be a positive number of frames per second, got ${fps}.`,
    );
  }
  for (const [name, value] of [
    ['minimum', minFrames],
    ['maximum', maxFrames],
  ] as const) {
    if (value !== undefined && !(Number.isInteger(value) && value > 0)) {
      throw new TesseraError(
        'BAD_REQUEST',
        `The ${name} number of frames must be a whole positive number, got ${value}.`,
      );
    }
  }
}
