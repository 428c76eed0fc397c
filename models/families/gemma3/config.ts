/**
 * Reads the Gemma 3 settings out of config.json, preprocessor_config.json (Python's Gemma3ImageProcessor) and
 * processor_config.json (Python's Gemma3Processor). The view size and the token count are required to agree
 * with the vision tower; pan-and-scan keys default as Gemma3Processor's images_kwargs do (off, 256, 4, 1.2).
 */
import type { Size } from '../../../app/tile-plan.ts';
import { TesseraError } from '../../errors.ts';
import type { ModelJson } from '../family.ts';
import { type ResizeKernel, type Source, pixelScaling, sourcesOf } from '../json-source.ts';

/** IMAGENET_STANDARD_MEAN / STD: Gemma3ImageProcessor's defaults. */
export const IMAGENET_STANDARD_MEAN = [0.5, 0.5, 0.5] as const;
export const IMAGENET_STANDARD_STD = [0.5, 0.5, 0.5] as const;

/** Gemma 3's tokenizer names these (tokenizer_config.json `boi_token`, `image_token`, `eoi_token`). */
export const BOI_TOKEN = '<start_of_image>';
export const IMAGE_TOKEN = '<image_soft_token>';
export const EOI_TOKEN = '<end_of_image>';

export interface PanAndScan {
  /** `do_pan_and_scan`: whether Python's processor crops by default (Tessera's default detail follows it). */
  enabled: boolean;
  minCropSize: number;
  maxNumCrops: number;
  minRatioToActivate: number;
}

export interface Gemma3Config {
  imageTokenId: number;
  /** The fixed view every image and crop is resized to (896 × 896 for Gemma 3). */
  inputSize: Size;
  kernel: ResizeKernel;
  /** Effective values: 1 when `do_rescale` is false; mean 0 / std 1 when `do_normalize` is false. */
  rescaleFactor: number;
  imageMean: readonly [number, number, number];
  imageStd: readonly [number, number, number];
  /** Soft tokens per view: `mm_tokens_per_image` after the projector's average pool. */
  tokensPerView: number;
  panAndScan: PanAndScan;
}

export function readGemma3Config(json: ModelJson): Gemma3Config {
  const { config, pre, proc } = sourcesOf(json);

  if (config.get('model_type') !== 'gemma3')
    return config.fail('model_type', '"gemma3"', 'MODEL_UNSUPPORTED');
  const imageTokenId = config.has('image_token_index')
    ? config.tokenId('image_token_index')
    : config.tokenId('image_token_id');

  if (!pre.bool('do_resize', true)) {
    throw new TesseraError(
      'MODEL_UNSUPPORTED',
      `${pre.file}: "do_resize" is false, but Gemma 3's vision tower takes one fixed size; set it to true.`,
    );
  }
  const inputSize = { width: pre.positiveInt('size.width'), height: pre.positiveInt('size.height') };
  const tokensPerView = readTokensPerView(config, proc, inputSize, pre.file);

  return {
    imageTokenId,
    inputSize,
    kernel: pre.kernel('resample', 2), // Gemma3ImageProcessor's default: BILINEAR
    ...pixelScaling(pre, { mean: IMAGENET_STANDARD_MEAN, std: IMAGENET_STANDARD_STD }),
    tokensPerView,
    panAndScan: readPanAndScan(pre),
  };
}

/**
 * The projector average-pools the (image_size / patch_size)² patch grid down to mm_tokens_per_image, a square
 * whose side must divide the patch grid's. processor_config.json's image_seq_length is what Python's processor
 * repeats; it must be the same number, or the prompt and the features disagree.
 */
function readTokensPerView(config: Source, proc: Source | null, input: Size, preFile: string): number {
  const imageSize = config.positiveInt('vision_config.image_size');
  const patchSize = config.positiveInt('vision_config.patch_size');
  if (input.width !== imageSize || input.height !== imageSize) {
    throw new TesseraError(
      'MODEL_FILE_CORRUPT',
      `${preFile} makes ${input.width}×${input.height} views, but ${config.file} "vision_config.image_size" is ` +
        `${imageSize}: the vision tower takes ${imageSize}×${imageSize}. Download the model again.`,
    );
  }
  const tokens = config.has('mm_tokens_per_image') ? config.positiveInt('mm_tokens_per_image') : 256;
  const tokensPerSide = Math.round(Math.sqrt(tokens));
  const patchesPerSide = imageSize / patchSize;
  if (
    tokensPerSide * tokensPerSide !== tokens ||
    !Number.isInteger(patchesPerSide) ||
    patchesPerSide % tokensPerSide !== 0
  ) {
    return config.fail(
      'mm_tokens_per_image',
      `a square number whose side divides the ${imageSize / patchSize} patches per side`,
    );
  }
  if (proc?.has('image_seq_length') && proc.positiveInt('image_seq_length') !== tokens) {
    return proc.fail('image_seq_length', `${tokens}, config.json's "mm_tokens_per_image"`);
  }
  return tokens;
}

/** Python's Gemma3ProcessorKwargs defaults stand in for null or missing keys (the published files hold null). */
function readPanAndScan(pre: Source): PanAndScan {
  const orDefault = <T>(key: string, fallback: T, read: (key: string) => T): T =>
    pre.get(key) === null || pre.get(key) === undefined ? fallback : read(key);
  const minRatioToActivate = orDefault('pan_and_scan_min_ratio_to_activate', 1.2, (key) => {
    const v = pre.get(key);
    return typeof v === 'number' && v >= 1 && Number.isFinite(v) ? v : pre.fail(key, 'a number ≥ 1');
  });
  return {
    enabled: orDefault('do_pan_and_scan', false, (key) => pre.bool(key, false)),
    minCropSize: orDefault('pan_and_scan_min_crop_size', 256, (key) => pre.positiveInt(key)),
    maxNumCrops: orDefault('pan_and_scan_max_num_crops', 4, (key) => pre.positiveInt(key)),
    minRatioToActivate,
  };
}
