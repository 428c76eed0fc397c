/**
 * Reads the LLaVA-1.5 settings out of config.json, preprocessor_config.json (Python's CLIPImageProcessor) and
 * processor_config.json (Python's LlavaProcessor). Keys that decide the geometry are required; the rest default
 * as the Python classes do.
 */
import type { Size } from '../../../app/tile-plan.ts';
import { TesseraError } from '../../errors.ts';
import type { ModelJson } from '../family.ts';
import { type ResizeKernel, type Source, pixelScaling, sourcesOf } from '../json-source.ts';

/** OPENAI_CLIP_MEAN / OPENAI_CLIP_STD: CLIPImageProcessor's defaults. */
export const OPENAI_CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073] as const;
export const OPENAI_CLIP_STD = [0.26862954, 0.26130258, 0.27577711] as const;

export type SelectStrategy = 'default' | 'full';

/** `size`: resize so the short side is this (aspect kept), or to exactly this size. */
export type ResizeTarget = { shortestEdge: number } | Size;

export interface LlavaConfig {
  imageTokenId: number;
  /** The placeholder the chat template writes and the processor repeats (`image_token`, default `<image>`). */
  imageToken: string;
  /** null when `do_resize` is false. */
  resize: ResizeTarget | null;
  kernel: ResizeKernel;
  /** The center crop; null when `do_center_crop` is false. */
  crop: Size | null;
  /** Effective values: 1 when `do_rescale` is false; mean 0 / std 1 when `do_normalize` is false. */
  rescaleFactor: number;
  imageMean: readonly [number, number, number];
  imageStd: readonly [number, number, number];
  /** The pixel size the vision encoder receives (the crop, or the exact resize). Always fixed for LLaVA. */
  inputSize: Size;
  /** `<image>` tokens per image, and where the count came from. */
  imageTokens: number;
  tokenCount: TokenCount;
}

export interface TokenCount {
  patchSize: number;
  /** Rows the encoder adds to the patches (CLIP's CLS: 1). */
  additional: number;
  /** "default" drops one row (the CLS); null (processor_config without the key) drops none, as in Python. */
  strategy: SelectStrategy | null;
  source: 'processor_config.json' | 'config.json';
}

export function readLlavaConfig(json: ModelJson): LlavaConfig {
  const { config, pre, proc } = sourcesOf(json);

  if (config.get('model_type') !== 'llava') return config.fail('model_type', '"llava"', 'MODEL_UNSUPPORTED');
  const imageTokenId = config.has('image_token_index')
    ? config.tokenId('image_token_index')
    : config.tokenId('image_token_id');
  const imageToken = proc?.has('image_token') ? nonEmptyString(proc, 'image_token') : '<image>';

  const doResize = pre.bool('do_resize', true);
  const resize = doResize ? resizeTarget(pre) : null;
  const doCenterCrop = pre.bool('do_center_crop', true);
  const crop = doCenterCrop ? sizeOf(pre, 'crop_size') : null;
  const inputSize = crop ?? (resize && !('shortestEdge' in resize) ? resize : null);
  if (!inputSize) {
    throw new TesseraError(
      'MODEL_UNSUPPORTED',
      `${pre.file}: without a center crop ("do_center_crop") the image keeps its own aspect ratio` +
        (doResize ? ' after a "size.shortest_edge" resize' : '') +
        ", but LLaVA's vision encoder takes one fixed size; Tessera needs a crop_size or a size with height and width.",
    );
  }
  checkEncoderSize(config, inputSize, pre.file);

  const tokenCount = readTokenCount(config, proc);
  const imageTokens =
    Math.floor(inputSize.height / tokenCount.patchSize) * Math.floor(inputSize.width / tokenCount.patchSize) +
    tokenCount.additional -
    (tokenCount.strategy === 'default' ? 1 : 0);
  if (imageTokens < 1) {
    throw new TesseraError(
      'MODEL_FILE_CORRUPT',
      `${inputSize.width}×${inputSize.height} pixels in patches of ${tokenCount.patchSize} (${tokenCount.source}) ` +
        `give ${imageTokens} image tokens.`,
    );
  }
  return {
    imageTokenId,
    imageToken,
    resize,
    kernel: pre.kernel('resample', 3), // CLIPImageProcessor's default: BICUBIC
    crop,
    ...pixelScaling(pre, { mean: OPENAI_CLIP_MEAN, std: OPENAI_CLIP_STD }),
    inputSize,
    imageTokens,
    tokenCount,
  };
}

/**
 * Python's LlavaProcessor: (H // patch_size) · (W // patch_size) + num_additional_image_tokens, minus 1 when
 * vision_feature_select_strategy is "default" — all read from processor_config.json (defaults 0 and None).
 * transformers.js reads the same keys but never subtracts the 1 (docs/preprocessing.md). Without a patch_size
 * there, the count is the rows the encoder returns: CLIP's patches plus its CLS row, which config.json's
 * vision_feature_select_strategy drops or keeps.
 */
function readTokenCount(config: Source, proc: Source | null): TokenCount {
  const modelStrategy = config.has('vision_feature_select_strategy')
    ? strategyOf(config, 'vision_feature_select_strategy')
    : 'default';
  if (proc?.has('patch_size')) {
    return {
      patchSize: proc.positiveInt('patch_size'),
      additional: proc.has('num_additional_image_tokens')
        ? nonNegativeInt(proc, 'num_additional_image_tokens')
        : 0,
      strategy: proc.has('vision_feature_select_strategy')
        ? strategyOf(proc, 'vision_feature_select_strategy')
        : null,
      source: 'processor_config.json',
    };
  }
  return {
    patchSize: config.positiveInt('vision_config.patch_size'),
    additional: 1,
    strategy: modelStrategy,
    source: 'config.json',
  };
}

/** Python's get_size_dict(size, default_to_square=False): an int is a shortest edge. */
function resizeTarget(pre: Source): ResizeTarget {
  const size = pre.get('size');
  if (Number.isInteger(size) && (size as number) > 0) return { shortestEdge: size as number };
  if (pre.has('size.shortest_edge')) return { shortestEdge: pre.positiveInt('size.shortest_edge') };
  if (pre.has('size.height') || pre.has('size.width')) return sizeOf(pre, 'size');
  return pre.fail('size', '{"shortest_edge": n}, {"height": h, "width": w} or a positive integer');
}

/** {height, width}, or an int for a square (Python's get_size_dict(…, default_to_square=True)). */
function sizeOf(pre: Source, key: string): Size {
  const value = pre.get(key);
  if (Number.isInteger(value) && (value as number) > 0) {
    return { width: value as number, height: value as number };
  }
  if (typeof value !== 'object' || value === null) {
    return pre.fail(key, '{"height": h, "width": w} or a positive integer');
  }
  return { width: pre.positiveInt(`${key}.width`), height: pre.positiveInt(`${key}.height`) };
}

/** CLIP's position embeddings fix the input size: a different crop would fail inside the encoder. */
function checkEncoderSize(config: Source, input: Size, preFile: string): void {
  if (!config.has('vision_config.image_size')) return;
  const side = config.positiveInt('vision_config.image_size');
  if (input.width !== side || input.height !== side) {
    throw new TesseraError(
      'MODEL_FILE_CORRUPT',
      `${preFile} makes ${input.width}×${input.height} images, but ${config.file} "vision_config.image_size" is ` +
        `${side}: the vision encoder takes ${side}×${side}.`,
    );
  }
}

function strategyOf(source: Source, key: string): SelectStrategy {
  const v = source.get(key);
  return v === 'default' || v === 'full' ? v : source.fail(key, '"default" or "full"', 'MODEL_UNSUPPORTED');
}

function nonNegativeInt(source: Source, key: string): number {
  const v = source.get(key);
  return Number.isInteger(v) && (v as number) >= 0 ? (v as number) : source.fail(key, 'a whole number ≥ 0');
}

function nonEmptyString(source: Source, key: string): string {
  const v = source.get(key);
  return typeof v === 'string' && v.length > 0 ? v : source.fail(key, 'a non-empty string');
}
