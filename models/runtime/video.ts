/**
 * A video part as the engine takes it: the caller picked out the frames the family's plan samples (the engine
 * never decodes video); here the plan is made again from the clip's facts, the frames are checked against it,
 * encoded frames are decoded as images are (sharp, with the image limits), preprocessed and run through the
 * vision encoder. The features are keyed by the frames and the plan, so a later turn about the same video
 * finds them in the engine's feature cache.
 */
import { createHash } from 'node:crypto';
import type { RgbFrame, VideoFrame, VideoPart } from '../../app/chat.ts';
import type { VideoPlan } from '../../app/video-plan.ts';
import { TesseraError, isTesseraError } from '../errors.ts';
import type { FamilyModel, FamilyVideo } from '../families/family.ts';
import { decodeImage } from '../image/decode.ts';
import type { LoadedParts } from './load.ts';
import { readFloat32, toOrt } from './onnx.ts';
import type { OnStage } from './progress.ts';

/** A video's encoded features, cached beside images' under videoKey. */
export interface VideoFeatures {
  video: VideoPlan;
  /** [video.videoTokens, hidden] row-major. */
  rows: Float32Array;
  preprocessMs: number;
  encodeMs: number;
}

/** A frame sent as an encoded image: its bytes, or its hash alone once the engine was sent them. */
export type EncodedFrame = Exclude<VideoFrame, RgbFrame>;

export const isEncodedFrame = (frame: VideoFrame): frame is EncodedFrame => 'sha256' in frame;

/** A frame ready to decode: raw RGB as sent, or an encoded frame's bytes with its hash. */
export type HeldFrame = RgbFrame | { sha256: string; bytes: Uint8Array };

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

/** The family's plan for the clip; with `checkFrames`, the part must hold one frame per sampled frame. */
export function videoPlanOf(family: FamilyModel, part: VideoPart, checkFrames = false): VideoPlan {
  const plan = videoOf(family).plan(part.source, part.sampling ?? {});
  if (checkFrames && part.frames.length !== plan.frames.length) {
    throw new TesseraError(
      'BAD_REQUEST',
      `The video part holds ${part.frames.length} frames but the model's plan samples ` +
        `${plan.frames.length} (frames ${plan.frames.map((f) => f.index).join(', ')}); decode those frames and ` +
        'send them again.',
    );
  }
  return plan;
}

/**
 * The feature cache's key for a video: its frames (an encoded frame by its sha256, a raw one by its pixels)
 * and the plan, which fixes the size and grouping the encoder saw.
 */
export function videoKey(part: VideoPart, plan: VideoPlan): string {
  const hash = createHash('sha256');
  for (const frame of part.frames) {
    if (isEncodedFrame(frame)) hash.update(`encoded ${frame.sha256}\n`);
    else hash.update(`rgb ${frame.width}x${frame.height}\n`).update(frame.data);
  }
  hash.update(JSON.stringify(plan));
  return `video:${hash.digest('hex')}`;
}

/** Runs the planned frames through the vision encoder: their feature rows, and how long each step took. */
export async function encodeVideo(
  parts: LoadedParts,
  frames: readonly HeldFrame[],
  plan: VideoPlan,
  onStage: OnStage,
): Promise<VideoFeatures> {
  const { family, vision } = parts;
  const t0 = performance.now();
  onStage({ stage: 'image' });
  const decoded = await decodeFrames(frames);
  const feeds = await videoOf(family).preprocess(decoded, plan);
  const t1 = performance.now();
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
  return { video: plan, rows, preprocessMs: t1 - t0, encodeMs: performance.now() - t1 };
}

/**
 * Encoded frames decoded with the image path's decoder (sharp on libuv's pool, the image pixel limit); a
 * frame that does not decode is named, with what to do.
 */
export function decodeFrames(frames: readonly HeldFrame[]): Promise<RgbFrame[]> {
  return Promise.all(
    frames.map(async (frame, i) => {
      if (!('bytes' in frame)) return frame;
      try {
        const { width, height, data } = await decodeImage(frame.bytes);
        return { width, height, data };
      } catch (error) {
        if (!isTesseraError(error)) throw error;
        throw new TesseraError(
          error.code,
          `Frame ${i + 1} of ${frames.length} of the video (${frame.sha256.slice(0, 12)}…) could not be ` +
            `decoded: ${error.message} Add the video again so its frames are taken from the clip anew.`,
          { cause: error },
        );
      }
    }),
  );
}
