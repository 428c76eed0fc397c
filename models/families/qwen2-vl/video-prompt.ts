/**
 * What one video becomes in the prompt: the chat template writes `<|vision_start|><|video_pad|><|vision_end|>`
 * for a video part, and Python's Qwen2VLProcessor repeats the `<|video_pad|>` once per merged patch of every
 * temporal patch (video_grid_thw's t · h · w / merge²).
 */
import type { VideoPlan } from '../../../app/video-plan.ts';

export const VIDEO_PAD = '<|video_pad|>';
export const VISION_START = '<|vision_start|>';
export const VISION_END = '<|vision_end|>';

/** The template's block for a video part, before expansion. */
export const VIDEO_PLACEHOLDER = `${VISION_START}${VIDEO_PAD}${VISION_END}`;

/** The block with its `<|video_pad|>` run expanded to the plan's token count. */
export function expandVideoPrompt(plan: VideoPlan): string {
  return `${VISION_START}${VIDEO_PAD.repeat(plan.videoTokens)}${VISION_END}`;
}
