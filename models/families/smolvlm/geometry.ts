/** SmolVLM and Idefics3 (same processor): SigLIP tiles of M×M plus a global view, `<image>` × image_seq_len each. */
import { assertOwnPlan, type FamilyGeometry, type ModelFamily } from '../family.ts';
import {
  type SmolVlmConfig,
  type SmolVlmVideoSettings,
  readSmolVlmConfig,
  readSmolVlmVideoSettings,
} from './config.ts';
import { FAMILY, planSmolVlm } from './plan.ts';
import { IMAGE_TOKEN, expandImagePrompt } from './prompt.ts';
import { planSmolVlmVideo } from './video-plan.ts';

/** `video`: SmolVLM2's video_sampling, when the model takes video. */
export function geometryOf(cfg: SmolVlmConfig, video: SmolVlmVideoSettings | null = null): FamilyGeometry {
  return {
    family: FAMILY,
    imageTokenId: cfg.imageTokenId,
    imagePlaceholder: IMAGE_TOKEN,
    defaultDetail: 'high',
    planImage: (size, detail) => planSmolVlm(cfg, size, detail),
    expandImage: (plan) => {
      assertOwnPlan(plan, FAMILY);
      return expandImagePrompt(plan.grid.rows, plan.grid.cols, cfg.imageSeqLen);
    },
    ...(video ? { planVideo: (source, sampling) => planSmolVlmVideo(cfg, video, source, sampling) } : {}),
  };
}

export const smolvlm: ModelFamily = {
  name: FAMILY,
  modelTypes: ['smolvlm', 'idefics3'],
  bind: (json) => geometryOf(readSmolVlmConfig(json), readSmolVlmVideoSettings(json)),
};
