/**
 * videos.plan: a Qwen2-VL-like video plan for a model of the qwen2_vl family (nominal 30 fps, 2 fps and 4
 * frames at least by default, frame pairs fused, frames fitted in 448 pixels on multiples of 28), a
 * SmolVLM2-like one for a smolvlm model named SmolVLM2 (1 fps, one 64-token view per frame after its timestamp:
 * the services ask its video_sampling, which a fake model has none of); any other is refused as the services
 * refuse it.
 */
import { NOMINAL_VIDEO_FRAME_RATE, type VideoPlanResult } from '../../../app/ipc/contract.ts';
import type { VideoPlan } from '../../../app/video-plan.ts';
import { type FakeState, type HandlersOf, err, ok } from './state.ts';

/** The clip as the services describe what the browser opened: at the nominal frame rate. */
function nominalSource(width: number, height: number, durationSeconds: number) {
  const frameRate = NOMINAL_VIDEO_FRAME_RATE;
  const totalFrames = Math.max(1, Math.round(durationSeconds * frameRate));
  return { source: { size: { width, height }, totalFrames, frameRate }, totalFrames, frameRate };
}

export function fakeVideoPlan(
  width: number,
  height: number,
  durationSeconds: number,
  sampling: { fps?: number; maxFrames?: number } = {},
): VideoPlanResult {
  const { source, totalFrames, frameRate } = nominalSource(width, height, durationSeconds);
  const even = (n: number) => Math.max(2, Math.floor(n / 2) * 2);
  const wanted = Math.round((durationSeconds * (sampling.fps ?? 2)) / 2) * 2;
  const count = Math.min(Math.max(wanted, 4), even(sampling.maxFrames ?? 768), even(totalFrames));
  const frames = Array.from({ length: count }, (_, i) => {
    const index = Math.round(((totalFrames - 1) * i) / (count - 1));
    return { index, seconds: index / frameRate };
  });
  const scale = Math.min(1, 448 / Math.max(width, height));
  const resized = {
    width: Math.max(28, Math.round((width * scale) / 28) * 28),
    height: Math.max(28, Math.round((height * scale) / 28) * 28),
  };
  const grid = { temporal: count / 2, rows: resized.height / 28, cols: resized.width / 28 };
  const tokensPerTemporalPatch = grid.rows * grid.cols;
  const sampleFps = (count / totalFrames) * frameRate;
  const plan: VideoPlan = {
    family: 'qwen2_vl',
    original: { width, height },
    resized,
    durationSeconds: totalFrames / frameRate,
    frames,
    temporalPatchSize: 2,
    sampleFps,
    secondsPerTemporalPatch: 2 / sampleFps,
    grid,
    tokensPerTemporalPatch,
    videoTokens: tokensPerTemporalPatch * grid.temporal,
    promptTokens: tokensPerTemporalPatch * grid.temporal + 2,
  };
  return { source, sampling, plan };
}

/** SmolVLM2-like: a frame a second (at least one), each a 512×512 view of 64 tokens, 3 markers and 10 label tokens. */
export function fakeSmolVideoPlan(
  width: number,
  height: number,
  durationSeconds: number,
  sampling: { fps?: number; maxFrames?: number } = {},
): VideoPlanResult {
  const { source, totalFrames, frameRate } = nominalSource(width, height, durationSeconds);
  const count = Math.max(
    1,
    Math.min(Math.round(durationSeconds * (sampling.fps ?? 1)), sampling.maxFrames ?? 64),
  );
  const frames = Array.from({ length: count }, (_, i) => {
    const index = count === 1 ? 0 : Math.trunc(((totalFrames - 1) * i) / (count - 1));
    return { index, seconds: index / frameRate };
  });
  const two = (n: number) => String(n).padStart(2, '0');
  const frameCosts = frames.map((f) => ({
    label: `Frame from ${two(Math.floor(f.seconds / 60))}:${two(Math.trunc(f.seconds % 60))}:`,
    tokens: 64 + 3 + 10,
  }));
  const sampleFps = (count / totalFrames) * frameRate;
  const plan: VideoPlan = {
    family: 'smolvlm',
    original: { width, height },
    resized: { width: 512, height: 512 },
    durationSeconds: totalFrames / frameRate,
    frames,
    temporalPatchSize: 1,
    sampleFps,
    secondsPerTemporalPatch: 1 / sampleFps,
    grid: { temporal: count, rows: 1, cols: 1 },
    tokensPerTemporalPatch: 64,
    videoTokens: 64 * count,
    // The intro's 29 tokens and the closing two newlines.
    promptTokens: 29 + count * (64 + 3 + 10) + 2,
    frameCosts,
  };
  return { source, sampling, plan };
}

export function videoHandlers(state: FakeState): HandlersOf<'videos.plan'> {
  return {
    'videos.plan': ({ width, height, durationSeconds, fps, maxFrames }) => {
      const model = state.models.find((m) => m.id === state.settings.activeModelId);
      const smolVlm2 = model?.family === 'smolvlm' && model.name.includes('SmolVLM2');
      if (model?.family !== 'qwen2_vl' && !smolVlm2) {
        return err(
          'BAD_REQUEST',
          `${model?.name ?? 'This model'} (${model?.family ?? '?'}) does not take video.`,
        );
      }
      const sampling = {
        ...(fps === undefined ? {} : { fps }),
        ...(maxFrames === undefined ? {} : { maxFrames }),
      };
      const plan = smolVlm2 ? fakeSmolVideoPlan : fakeVideoPlan;
      return ok(plan(width, height, durationSeconds, sampling));
    },
  };
}
