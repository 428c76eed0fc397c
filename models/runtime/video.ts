/**
 * A video part as the engine takes it: the caller decoded the frames the family's plan samples (the engine
 * never decodes video); here the plan is made again from the clip's facts, the frames are checked against it,
 * preprocessed and run through the vision encoder.
 */
import { createHash } from 'node:crypto';
import type { VideoPart } from '../../app/chat.ts';
import type { VideoPlan } from '../../app/video-plan.ts';
import { TesseraError } from '../errors.ts';
import type { FamilyModel, FamilyVideo } from '../families/family.ts';
import type { LoadedParts } from './load.ts';
import { readFloat32, toOrt } from './onnx.ts';
import type { OnStage } from './progress.ts';

export function videoOf(family: FamilyModel): FamilyVideo {
  if (!family.video) {
    throw new TesseraError(
      'BAD_REQUEST',
      `This model (${family.family}) does not take video. Ask with a Qwen2-VL, Qwen2.5-VL or SmolVLM2 ` +
        'model, or send ' +
        'frames as images.',
    );
  }
  return family.video;
}

export function videoPlanOf(family: FamilyModel, part: VideoPart): VideoPlan {
  return videoOf(family).plan(part.source, part.sampling ?? {});
}

/** The video's plan, its key (frames' hash and plan) and its feature rows. */
export async function encodeVideo(parts: LoadedParts, part: VideoPart, onStage: OnStage) {
  const { family, vision } = parts;
  const video = videoOf(family);
  const plan = videoPlanOf(family, part);
  if (part.frames.length !== plan.frames.length) {
    throw new TesseraError(
      'BAD_REQUEST',
      `The video part holds ${part.frames.length} frames but the model's plan samples ` +
        `${plan.frames.length} (frames ${plan.frames.map((f) => f.index).join(', ')}); decode those frames and ` +
        'send them again.',
    );
  }
  onStage({ stage: 'image' });
  const feeds = await video.preprocess(part.frames, plan);
  const ortFeeds = Object.fromEntries(Object.entries(feeds).map(([name, t]) => [name, toOrt(t)] as const));
  onStage({ stage: 'vision', file: vision.session.path });
  const output = (await vision.session.run(ortFeeds)).image_features;
  if (!output)
    throw new TesseraError('MODEL_GRAPH_MISMATCH', `${vision.session.path} returned no image_features.`);
  const rows = readFloat32(output);
  const hidden = output.dims[output.dims.length - 1] ?? 0;
  if (rows.length / hidden !== plan.videoTokens) {
    throw new TesseraError(
      'IMAGE_TOKEN_MISMATCH',
      `The vision encoder returned ${rows.length / hidden} feature rows for a video planned as ` +
        `${plan.videoTokens} tokens. The model files and configuration do not match; download the model again.`,
    );
  }
  const hash = createHash('sha256');
  for (const frame of part.frames) hash.update(frame.data);
  const key = `video:${hash.digest('hex')}:${plan.resized.width}x${plan.resized.height}:${plan.frames.length}`;
  return { key, video: plan, rows };
}
