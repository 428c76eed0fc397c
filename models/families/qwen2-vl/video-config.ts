/**
 * The video keys of a Qwen2-VL / Qwen2.5-VL config.json, read apart from the image settings (config.ts) so a
 * model whose files lack them still answers about images.
 */
import type { ModelJson } from '../family.ts';
import { sourcesOf } from '../json-source.ts';

/** Qwen2_5_VLVisionConfig's default `tokens_per_second` (the published Qwen2.5-VL configs write 2). */
const DEFAULT_TOKENS_PER_SECOND = 4;

export interface QwenVideoConfig {
  /** `<|video_pad|>`: the placeholder the video features replace. */
  videoTokenId: number;
  /**
   * Qwen2.5-VL only: rope temporal positions per second of video (`vision_config.tokens_per_second`), so a
   * temporal patch's position is its start time × this, not its index. null for Qwen2-VL, whose temporal
   * position is the temporal patch's index.
   */
  tokensPerSecond: number | null;
}

export function readQwenVideoConfig(json: ModelJson): QwenVideoConfig {
  const { config } = sourcesOf(json);
  return {
    videoTokenId: config.tokenId('video_token_id'),
    tokensPerSecond:
      config.get('model_type') === 'qwen2_5_vl'
        ? config.positive('vision_config.tokens_per_second', DEFAULT_TOKENS_PER_SECOND)
        : null,
  };
}
