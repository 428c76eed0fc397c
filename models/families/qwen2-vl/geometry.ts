/**
 * Qwen2-VL (`qwen2_vl`) and Qwen2.5-VL (`qwen2_5_vl`): the image keeps its aspect ratio, resized so both sides
 * are multiples of 28 within a pixel budget (`high`: the model's max_pixels; `low`: 256 tokens' worth); each
 * 28×28 block becomes one `<|image_pad|>` token, and the decoder takes 3-D rope positions (engine.ts). The two
 * model types share the processor and the prompt; their encoders name the grid input differently.
 */
import { assertOwnPlan, type FamilyGeometry, type ModelFamily } from '../family.ts';
import { type QwenConfig, readQwenConfig } from './config.ts';
import { FAMILY, planQwen } from './plan.ts';
import { IMAGE_PAD, expandImagePrompt } from './prompt.ts';
import { planQwenVideo } from './video-plan.ts';

/** `video`: the config has a video token, so the family plans clips too (the engine reads its video config). */
export function geometryOf(cfg: QwenConfig, video = false): FamilyGeometry {
  return {
    family: FAMILY,
    imageTokenId: cfg.imageTokenId,
    imagePlaceholder: IMAGE_PAD,
    defaultDetail: 'high',
    planImage: (size, detail) => planQwen(cfg, size, detail),
    expandImage: (plan) => {
      assertOwnPlan(plan, FAMILY);
      return expandImagePrompt(plan.imageTokens);
    },
    ...(video ? { planVideo: (source, sampling) => planQwenVideo(cfg, source, sampling) } : {}),
  };
}

export const qwen2Vl: ModelFamily = {
  name: FAMILY,
  modelTypes: ['qwen2_vl', 'qwen2_5_vl'],
  // A config without video_token_id still answers about images (as engine.ts binds it).
  bind: (json) => geometryOf(readQwenConfig(json), json.config.video_token_id !== undefined),
};
