/**
 * Reads the LFM2-VL settings out of config.json, preprocessor_config.json (Python's Lfm2VlImageProcessor) and
 * processor_config.json (Lfm2VlProcessor, where present). Every geometry key defaults as the Python class does.
 */
import { TesseraError } from '../../errors.ts';
import type { ModelJson } from '../family.ts';
import { pixelScaling, sourcesOf } from '../json-source.ts';

export interface Lfm2VlConfig {
  imageTokenId: number;
  /** The placeholder the chat template writes (`<image>`). */
  imageToken: string;
  imageStart: string;
  imageEnd: string;
  thumbnailToken: string;
  /** Patch side of the SigLIP2 encoder (`encoder_patch_size`). */
  patchSize: number;
  /** Pixel-unshuffle factor of the projector: each 2×2 block of patches becomes one token. */
  downsampleFactor: number;
  tileSize: number;
  minTiles: number;
  maxTiles: number;
  /** Python splits only when `do_image_splitting` and not min_tiles = max_tiles = 1. */
  splitting: boolean;
  useThumbnail: boolean;
  minImageTokens: number;
  maxImageTokens: number;
  maxPixelsTolerance: number;
  /** Rows of `pixel_values` per tile: max(max_image_tokens · ds², (tile / patch)² when splitting). */
  maxNumPatches: number;
  rescaleFactor: number;
  imageMean: readonly [number, number, number];
  imageStd: readonly [number, number, number];
}

export function readLfm2VlConfig(json: ModelJson): Lfm2VlConfig {
  const { config, pre, proc } = sourcesOf(json);
  if (config.get('model_type') !== 'lfm2_vl')
    return config.fail('model_type', '"lfm2_vl"', 'MODEL_UNSUPPORTED');
  const imageTokenId =
    config.has('image_token_index') && !config.has('image_token_id')
      ? config.tokenId('image_token_index')
      : config.tokenId('image_token_id');
  const text = (key: string, fallback: string) => {
    if (!proc?.has(key)) return fallback;
    const v = proc.get(key);
    return typeof v === 'string' && v.length > 0 ? v : proc.fail(key, 'a non-empty string');
  };

  const patchSize = pre.has('encoder_patch_size')
    ? pre.positiveInt('encoder_patch_size')
    : pre.has('patch_size')
      ? pre.positiveInt('patch_size')
      : 16;
  const int = (key: string, fallback: number) => (pre.has(key) ? pre.positiveInt(key) : fallback);
  const downsampleFactor = int('downsample_factor', 2);
  const tileSize = int('tile_size', 512);
  const minTiles = int('min_tiles', 2);
  const maxTiles = int('max_tiles', 10);
  const minImageTokens = int('min_image_tokens', 64);
  const maxImageTokens = int('max_image_tokens', 256);
  if (minTiles > maxTiles) {
    throw new TesseraError(
      'MODEL_FILE_CORRUPT',
      `${pre.file}: "min_tiles" (${minTiles}) is larger than "max_tiles" (${maxTiles}); fix the file or download the model again.`,
    );
  }
  if (minImageTokens > maxImageTokens) {
    throw new TesseraError(
      'MODEL_FILE_CORRUPT',
      `${pre.file}: "min_image_tokens" (${minImageTokens}) is larger than "max_image_tokens" (${maxImageTokens}); fix the file or download the model again.`,
    );
  }
  const factor = patchSize * downsampleFactor;
  if (tileSize % factor !== 0) {
    throw new TesseraError(
      'MODEL_UNSUPPORTED',
      `${pre.file}: "tile_size" ${tileSize} is not a multiple of encoder_patch_size × downsample_factor (${factor}); ` +
        'Tessera needs whole 2×2 patch blocks in every tile.',
    );
  }
  const splitting = pre.bool('do_image_splitting', true) && !(minTiles === 1 && maxTiles === 1);
  return {
    imageTokenId,
    imageToken: text('image_token', '<image>'),
    imageStart: text('image_start_token', '<|image_start|>'),
    imageEnd: text('image_end_token', '<|image_end|>'),
    thumbnailToken: text('image_thumbnail', '<|img_thumbnail|>'),
    patchSize,
    downsampleFactor,
    tileSize,
    minTiles,
    maxTiles,
    splitting,
    useThumbnail: pre.bool('use_thumbnail', true),
    minImageTokens,
    maxImageTokens,
    maxPixelsTolerance: pre.positive('max_pixels_tolerance', 2),
    maxNumPatches: Math.max(
      maxImageTokens * downsampleFactor ** 2,
      pre.bool('do_image_splitting', true) ? (tileSize / patchSize) ** 2 : 0,
    ),
    // IMAGENET_STANDARD_MEAN / STD (0.5): the Python class's defaults.
    ...pixelScaling(pre, { mean: 0.5, std: 0.5 }),
  };
}
