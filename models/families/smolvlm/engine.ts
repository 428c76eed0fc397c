/** SmolVLM / Idefics3 as the engine runs it: the geometry (geometry.ts) with SigLIP tile preprocessing. */
import {
  type FamilyEngine,
  type FamilyModel,
  type FamilyVideo,
  type ModelJson,
  withPixels,
} from '../family.ts';
import {
  type SmolVlmConfig,
  type SmolVlmVideoSettings,
  readSmolVlmConfig,
  readSmolVlmVideoSettings,
} from './config.ts';
import { geometryOf } from './geometry.ts';
import { FAMILY } from './plan.ts';
import { preprocessSmolVlm } from './preprocess.ts';
import { expandVideoPrompt, planSmolVlmVideo } from './video-plan.ts';
import { preprocessSmolVlmVideo } from './video-preprocess.ts';

/** What processing_smolvlm's chat template writes for a video part. */
const VIDEO_TOKEN = '<video>';

export const smolvlmEngine: FamilyEngine = {
  name: FAMILY,
  bind(json: ModelJson): FamilyModel {
    const cfg = readSmolVlmConfig(json);
    // SmolVLM2 (model_type smolvlm with video_sampling) reads video; SmolVLM 1 and Idefics3 take images only.
    const videoSettings = readSmolVlmVideoSettings(json);
    return withPixels(geometryOf(cfg, videoSettings), {
      preprocess: (image, plan) => preprocessSmolVlm(cfg, image, plan),
      visionInputNames: ['pixel_values', 'pixel_attention_mask'],
      ...(videoSettings ? { video: smolVlmVideo(cfg, videoSettings) } : {}),
    });
  },
};

function smolVlmVideo(cfg: SmolVlmConfig, settings: SmolVlmVideoSettings): FamilyVideo {
  return {
    // The frames' features fill <image> tokens, as an image's do.
    tokenId: cfg.imageTokenId,
    templateText: VIDEO_TOKEN,
    placeholder: VIDEO_TOKEN,
    plan: (source, sampling) => planSmolVlmVideo(cfg, settings, source, sampling),
    expand: (plan) => expandVideoPrompt(plan, cfg.imageSeqLen),
    preprocess: (frames, plan) => preprocessSmolVlmVideo(cfg, frames, plan),
  };
}
