/**
 * Reads the SmolVLM / Idefics3 settings out of config.json, preprocessor_config.json and processor_config.json.
 * Keys that decide the tile geometry are required; the rest default as Python's Idefics3ImageProcessor does.
 */
import { TesseraError } from '../../errors.ts';
import type { ModelJson } from '../family.ts';
import { type ResizeKernel, type Source, pixelScaling, sourcesOf } from '../json-source.ts';

export interface SmolVlmConfig {
  modelType: string;
  imageTokenId: number;
  /** Whether step 1 (longest edge → sizeLongestEdge) runs at all (`do_resize`). */
  doResize: boolean;
  /** `size.longest_edge`: step 1 scales the image so its longest edge is this. */
  sizeLongestEdge: number;
  /** `max_image_size.longest_edge`: the side M of every square frame the encoder sees. */
  tileSize: number;
  doImageSplitting: boolean;
  kernel: ResizeKernel;
  /** Effective values: 1 when `do_rescale` is false; mean 0 / std 1 when `do_normalize` is false. */
  rescaleFactor: number;
  imageMean: readonly [number, number, number];
  imageStd: readonly [number, number, number];
  /** `<image>` tokens per frame. */
  imageSeqLen: number;
}

export function readSmolVlmConfig(json: ModelJson): SmolVlmConfig {
  const { config, pre, proc } = sourcesOf(json);

  const modelType = config.get('model_type');
  if (modelType !== 'smolvlm' && modelType !== 'idefics3') {
    return config.fail('model_type', '"smolvlm" or "idefics3"', 'MODEL_UNSUPPORTED');
  }
  const imageTokenId = config.has('image_token_id')
    ? config.tokenId('image_token_id')
    : config.tokenId('image_token_index');
  const kernel = pre.kernel('resample', 1); // Python's Idefics3 default: LANCZOS

  return {
    modelType,
    imageTokenId,
    doResize: pre.bool('do_resize', true),
    sizeLongestEdge: pre.positiveInt('size.longest_edge'),
    tileSize: pre.positiveInt('max_image_size.longest_edge'),
    doImageSplitting: pre.bool('do_image_splitting', true),
    kernel,
    // Python's IMAGENET_STANDARD_MEAN/STD, both 0.5.
    ...pixelScaling(pre, { mean: 0.5, std: 0.5 }),
    imageSeqLen: proc?.has('image_seq_len') ? proc.positiveInt('image_seq_len') : computedSeqLen(config),
  };
}

/** Tokens per frame without processor_config.json: (image_size / patch_size)² patches, pixel-shuffled by scale_factor². */
function computedSeqLen(config: Source): number {
  const patches =
    config.positiveInt('vision_config.image_size') / config.positiveInt('vision_config.patch_size');
  const seqLen = (patches * patches) / config.positiveInt('scale_factor') ** 2;
  if (!Number.isInteger(seqLen)) {
    throw new TesseraError(
      'MODEL_FILE_CORRUPT',
      `${config.file}: ((vision_config.image_size / vision_config.patch_size)² / scale_factor²) = ${seqLen} ` +
        'is not a whole number of image tokens; add "image_seq_len" to processor_config.json.',
    );
  }
  return seqLen;
}

/** `video_sampling` in the model's processor config. */
export interface SmolVlmVideoSettings {
  /** Frames sampled per second of video. */
  fps: number;
  /** The most frames one video gives (also the `num_frames` of sample_frames' skip rule). */
  maxFrames: number;
  /** `video_size.longest_edge`: the first resize's longest edge, before the square resize to the tile size. */
  videoLongestEdge: number;
}

/**
 * SmolVLM2's `video_sampling` (preprocessor_config.json, or processor_config.json where a port keeps it there),
 * read apart from the image settings so SmolVLM / Idefics3 models without it still answer about images.
 * SmolVLMVideoProcessor takes `fps`, `max_frames` and `video_size` from it and has no defaults of its own for
 * the first two, so a model without the block does not take video.
 */
export function readSmolVlmVideoSettings(json: ModelJson): SmolVlmVideoSettings | null {
  const { config, pre, proc } = sourcesOf(json);
  if (config.get('model_type') !== 'smolvlm') return null;
  const source = pre.has('video_sampling') ? pre : proc?.has('video_sampling') ? proc : null;
  if (!source) return null;
  return {
    fps: source.positive('video_sampling.fps', Number.NaN),
    maxFrames: source.positiveInt('video_sampling.max_frames'),
    videoLongestEdge: source.positiveInt('video_sampling.video_size.longest_edge'),
  };
}
