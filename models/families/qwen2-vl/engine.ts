/** Qwen2-VL as the engine runs it: the geometry (geometry.ts), patch preprocessing and 3-D rope positions. */
import type { TilePlan } from '../../../app/tile-plan.ts';
import { type MediaPlan, isVideoPlan } from '../../../app/video-plan.ts';
import {
  type FamilyEngine,
  type FamilyModel,
  type FamilyVideo,
  type ModelJson,
  withPixels,
} from '../family.ts';
import { type QwenConfig, readQwenConfig } from './config.ts';
import { geometryOf } from './geometry.ts';
import { FAMILY } from './plan.ts';
import { preprocessQwen } from './preprocess.ts';
import { mropePositionIds } from './rope.ts';
import { type QwenVideoConfig, readQwenVideoConfig } from './video-config.ts';
import { planQwenVideo } from './video-plan.ts';
import { preprocessQwenVideo } from './video-preprocess.ts';
import { VIDEO_PAD, VIDEO_PLACEHOLDER } from './video-prompt.ts';
import { type VisionBlock, mixedPositionIds } from './video-rope.ts';

export const qwen2VlEngine: FamilyEngine = {
  name: FAMILY,
  bind(json: ModelJson): FamilyModel {
    const cfg = readQwenConfig(json);
    // A config without video_token_id still answers about images.
    const videoCfg = json.config.video_token_id === undefined ? null : readQwenVideoConfig(json);
    return withPixels(geometryOf(cfg, videoCfg !== null), {
      preprocess: (image, plan) => preprocessQwen(cfg, image, plan),
      visionInputNames: ['pixel_values', cfg.gridInputName],
      positionIds: (ids, plans, start, count) =>
        plans.some(isVideoPlan)
          ? mixedPositionIds(ids, plans.map(blockOf(videoCfg)), tokensOf(cfg, videoCfg), start, count)
          : mropePositionIds(ids, plans as readonly TilePlan[], cfg.imageTokenId, start, count),
      ...(videoCfg ? { video: qwenVideo(cfg, videoCfg) } : {}),
    });
  },
};

function qwenVideo(cfg: QwenConfig, videoCfg: QwenVideoConfig): FamilyVideo {
  return {
    tokenId: videoCfg.videoTokenId,
    templateText: VIDEO_PLACEHOLDER,
    placeholder: VIDEO_PAD,
    plan: (source, sampling) => planQwenVideo(cfg, source, sampling),
    // The template text already holds <|vision_start|> and <|vision_end|>: only the pad run is expanded.
    expand: (plan) => VIDEO_PAD.repeat(plan.videoTokens),
    preprocess: (frames, plan) => preprocessQwenVideo(cfg, frames, plan),
  };
}

// Without a video config no plan is a video plan, so the branches below never read it.
const tokensOf = (cfg: QwenConfig, videoCfg: QwenVideoConfig | null) => ({
  image: cfg.imageTokenId,
  video: videoCfg?.videoTokenId ?? -1,
});

const blockOf =
  (videoCfg: QwenVideoConfig | null) =>
  (plan: MediaPlan): VisionBlock =>
    isVideoPlan(plan)
      ? {
          kind: 'video',
          grid: plan.grid,
          time:
            !videoCfg || videoCfg.tokensPerSecond === null
              ? null
              : {
                  secondsPerTemporalPatch: plan.secondsPerTemporalPatch,
                  tokensPerSecond: videoCfg.tokensPerSecond,
                },
        }
      : { kind: 'image', rows: plan.grid.rows, cols: plan.grid.cols };
