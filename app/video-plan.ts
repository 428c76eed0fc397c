/**
 * How a model family turns one video into encoder inputs: which frames it samples, the size each frame is
 * resized to, and what they cost in the prompt. Plain data like TilePlan: the engine computes it, the CLI
 * decodes the frames it names, and the renderer draws the frame view and sums the token estimate.
 */
import type { Size, TilePlan } from './tile-plan.ts';

/** An image's or a video's plan, as the prompt holds them in order. */
export type MediaPlan = TilePlan | VideoPlan;

export const isVideoPlan = (plan: MediaPlan): plan is VideoPlan => 'frames' in plan;

/** What the decoder knows about a clip before any frame is read. */
export interface VideoSource {
  /** Frame size in pixels. */
  size: Size;
  /** Frames in the clip (or in the trimmed part of it). */
  totalFrames: number;
  /** Frames per second of the clip. */
  frameRate: number;
}

/** The user's sampling choices; a family fills in its processor's defaults for the ones left out. */
export interface VideoSampling {
  /** Frames per second to sample. */
  fps?: number;
  minFrames?: number;
  maxFrames?: number;
}

export interface SampledFrame {
  /** Index of the frame in the clip, 0-based. */
  index: number;
  /** Its time in seconds from the clip's start (index / frame rate). */
  seconds: number;
}

/** One frame's share of the prompt, where a family writes text before each frame. */
export interface FrameCost {
  /** The text before the frame, as the prompt writes it (SmolVLM2: `Frame from 00:01:`). */
  label: string;
  /** Tokens the frame adds: its view's placeholders, the markers around them and its label. */
  tokens: number;
}

export interface VideoPlan {
  family: string;
  original: Size;
  /** The size every sampled frame is resized to. */
  resized: Size;
  durationSeconds: number;
  /** The sampled frames in order; consecutive groups of `temporalPatchSize` fuse into one temporal patch. */
  frames: SampledFrame[];
  /** Frames per temporal patch (2 for Qwen2-VL: a pair of frames becomes one 3-D patch). */
  temporalPatchSize: number;
  /** The rate the sampled frames stand for: frames sampled / frames in the clip × the clip's frame rate. */
  sampleFps: number;
  /** Seconds one temporal patch spans (Python's second_per_grid_t = temporal_patch_size / sample fps). */
  secondsPerTemporalPatch: number;
  /** Merged-patch grid: `temporal` patches, each `rows` × `cols` tokens. */
  grid: { temporal: number; rows: number; cols: number };
  /** Placeholder tokens one temporal patch (one pair of frames) becomes. */
  tokensPerTemporalPatch: number;
  /** Placeholder tokens the language model receives for the whole video. */
  videoTokens: number;
  /** Every token the video adds to the prompt: placeholders, the markers around them and any text written. */
  promptTokens: number;
  /**
   * Per sampled frame, for a family that shows each frame as its own view with a label (SmolVLM2, whose
   * temporalPatchSize is 1); absent where frames fuse into temporal patches (Qwen2-VL).
   */
  frameCosts?: FrameCost[];
}
