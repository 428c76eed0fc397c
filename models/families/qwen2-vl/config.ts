/**
 * Reads the Qwen2-VL / Qwen2.5-VL settings out of config.json and preprocessor_config.json (Python's
 * Qwen2VLImageProcessor). Keys that decide the geometry default as the Python class does; the token ids that
 * the 3-D rope positions and the feature scatter depend on are required.
 */
import { TesseraError } from '../../errors.ts';
import type { ModelJson } from '../family.ts';
import { type ResizeKernel, type Source, pixelScaling, sourcesOf } from '../json-source.ts';

/** OPENAI_CLIP_MEAN / OPENAI_CLIP_STD: Qwen2VLImageProcessor's defaults. */
const CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073] as const;
const CLIP_STD = [0.26862954, 0.26130258, 0.27577711] as const;

/** Python's defaults when neither min_pixels/max_pixels nor size gives the pixel budget. */
const DEFAULT_MIN_PIXELS = 56 * 56;
const DEFAULT_MAX_PIXELS = 28 * 28 * 1280;

/**
 * The `low` detail budget: 256 merged patches (256 image tokens), the figure Qwen's own examples use as a
 * modest min_pixels, so a photo costs a few hundred tokens instead of thousands.
 */
export const LOW_DETAIL_PIXELS = 256 * 28 * 28;

export type QwenModelType = 'qwen2_vl' | 'qwen2_5_vl';

export interface QwenConfig {
  modelType: QwenModelType;
  imageTokenId: number;
  visionStartTokenId: number;
  visionEndTokenId: number;
  /** Name of the vision encoder's grid input: `grid_thw` (Qwen2-VL) or `image_grid_thw` (Qwen2.5-VL). */
  gridInputName: 'grid_thw' | 'image_grid_thw';
  patchSize: number;
  mergeSize: number;
  temporalPatchSize: number;
  /** false: the image keeps its size, which must then be a multiple of patchSize · mergeSize. */
  doResize: boolean;
  minPixels: number;
  maxPixels: number;
  kernel: ResizeKernel;
  rescaleFactor: number;
  imageMean: readonly [number, number, number];
  imageStd: readonly [number, number, number];
}

export function readQwenConfig(json: ModelJson): QwenConfig {
  const { config, pre } = sourcesOf(json);
  const modelType = config.get('model_type');
  if (modelType !== 'qwen2_vl' && modelType !== 'qwen2_5_vl') {
    return config.fail('model_type', '"qwen2_vl" or "qwen2_5_vl"', 'MODEL_UNSUPPORTED');
  }
  const patchSize = pre.has('patch_size') ? pre.positiveInt('patch_size') : 14;
  const mergeSize = pre.has('merge_size') ? pre.positiveInt('merge_size') : 2;
  const temporalPatchSize = pre.has('temporal_patch_size') ? pre.positiveInt('temporal_patch_size') : 2;
  // The language model's rope positions and the encoder's merger must agree with the processor's merge.
  const modelMerge = config.has('vision_config.spatial_merge_size')
    ? config.positiveInt('vision_config.spatial_merge_size')
    : 2;
  if (modelMerge !== mergeSize) {
    throw new TesseraError(
      'MODEL_FILE_CORRUPT',
      `${pre.file} "merge_size" is ${mergeSize} but ${config.file} "vision_config.spatial_merge_size" is ` +
        `${modelMerge}; they must be equal. Download the model again.`,
    );
  }
  // Python: min_pixels / max_pixels win over size.shortest_edge / size.longest_edge.
  const minPixels = pixelBudget(pre, 'min_pixels', 'size.shortest_edge', DEFAULT_MIN_PIXELS);
  const maxPixels = pixelBudget(pre, 'max_pixels', 'size.longest_edge', DEFAULT_MAX_PIXELS);
  if (minPixels > maxPixels) {
    throw new TesseraError(
      'MODEL_FILE_CORRUPT',
      `${pre.file}: the minimum pixel count (${minPixels}) is above the maximum (${maxPixels}).`,
    );
  }
  return {
    modelType,
    imageTokenId: config.tokenId('image_token_id'),
    visionStartTokenId: config.tokenId('vision_start_token_id'),
    visionEndTokenId: config.tokenId('vision_end_token_id'),
    gridInputName: modelType === 'qwen2_vl' ? 'grid_thw' : 'image_grid_thw',
    patchSize,
    mergeSize,
    temporalPatchSize,
    doResize: pre.bool('do_resize', true),
    minPixels,
    maxPixels,
    kernel: pre.kernel('resample', 3), // Qwen2VLImageProcessor's default: BICUBIC
    ...pixelScaling(pre, { mean: CLIP_MEAN, std: CLIP_STD }),
  };
}

function pixelBudget(pre: Source, key: string, sizeKey: string, fallback: number): number {
  if (pre.has(key)) return pre.positiveInt(key);
  if (pre.has(sizeKey)) return pre.positiveInt(sizeKey);
  return fallback;
}
