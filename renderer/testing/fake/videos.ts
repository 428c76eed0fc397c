/**
 * videos.plan: a Qwen2-VL-like video plan for a model of the qwen2_vl family (nominal 30 fps, 2 fps and 4
 * frames at least by default, frame pairs fused, frames fitted in 448 pixels on multiples of 28); any other
 * family is refused as the services refuse it.
 */
import { NOMINAL_VIDEO_FRAME_RATE, type VideoPlanResult } from '../../../app/ipc/contract.ts';
import type { VideoPlan } from '../../../app/video-plan.ts';
import { type FakeState, type HandlersOf, err, ok } from './state.ts';

export function fakeVideoPlan(
  width: number,
  height: number,
  durationSeconds: number,
  sampling: { fps?: number; maxFrames?: number } = {},
): VideoPlanResult {
  const frameRate = NOMINAL_VIDEO_FRAME_RATE;
  const totalFrames = Math.max(1, Math.round(durationSeconds * frameRate));
  const source = { size: { width, height }, totalFrames, frameRate };
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

export function videoHandlers(state: FakeState): HandlersOf<'videos.plan'> {
  return {
    'videos.plan': ({ width, height, durationSeconds, fps, maxFrames }) => {
      const model = state.models.find((m) => m.id === state.settings.activeModelId);
      if (model?.family !== 'qwen2_vl') {
        return err(
          'BAD_REQUEST',
          `${model?.name ?? 'This model'} (${model?.family ?? '?'}) does not take video.`,
        );
      }
      const sampling = {
        ...(fps === undefined ? {} : { fps }),
        ...(maxFrames === undefined ? {} : { maxFrames }),
      };
      return ok(fakeVideoPlan(width, height, durationSeconds, sampling));
    },
  };
}
