/**
 * Reads the LLaVA-OneVision settings from config.json (LlavaOnevisionConfig), preprocessor_config.json (Python's
 * LlavaOnevisionImageProcessor) and processor_config.json (LlavaOnevisionProcessor). Keys that decide the geometry
 * are required; the rest default as the Python classes do.
 */
import type { Size } from '../../../app/tile-plan.ts';
import { TesseraError } from '../../errors.ts';
import type { ModelJson } from '../family.ts';
import { type ResizeKernel, type Source, pixelScaling, sourcesOf } from '../json-source.ts';

/** LlavaOnevisionImageProcessor's defaults (OPENAI_CLIP_MEAN / STD); llava-hf's files say 0.5 for SigLIP. */
const OPENAI_CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073] as const;
const OPENAI_CLIP_STD = [0.26862954, 0.26130258, 0.27577711] as const;

export interface OnevisionConfig {
  imageTokenId: number;
  imageToken: string;
  /** One view's side in pixels (`size`, = vision_config.image_size): the base view and every crop. */
  viewSide: number;
  kernel: ResizeKernel;
  rescaleFactor: number;
  imageMean: readonly [number, number, number];
  imageStd: readonly [number, number, number];
  /** `image_grid_pinpoints` as sizes; every side is a multiple of viewSide. */
  pinpoints: readonly Size[];
  /** Feature rows per side of one view: image_size / patch_size (27 for 384 / 14). */
  featureSide: number;
  /** `anyres_max_N`: the crop feature grid is shrunk when it holds more than N views' worth. */
  maxViews: number;
}

export function readOnevisionConfig(json: ModelJson): OnevisionConfig {
  const { config, pre, proc } = sourcesOf(json);

  if (config.get('model_type') !== 'llava_onevision') {
    return config.fail('model_type', '"llava_onevision"', 'MODEL_UNSUPPORTED');
  }
  const imageTokenId = config.has('image_token_index')
    ? config.tokenId('image_token_index')
    : config.tokenId('image_token_id');
  const imageToken = proc?.has('image_token') ? nonEmpty(proc, 'image_token') : '<image>';

  // SigLIP has no CLS row: "default" would drop a patch and the 27×27 grid could not be rebuilt.
  for (const source of [config, proc]) {
    const strategy = source?.get('vision_feature_select_strategy');
    if (strategy !== undefined && strategy !== 'full') {
      source?.fail(
        'vision_feature_select_strategy',
        '"full" (SigLIP has no CLS row to drop)',
        'MODEL_UNSUPPORTED',
      );
    }
  }

  const imageSize = config.positiveInt('vision_config.image_size');
  const patchSize = config.positiveInt('vision_config.patch_size');
  // A strided convolution: 384 px in patches of 14 gives 27 per side, the last 6 pixels unread.
  const featureSide = Math.floor(imageSize / patchSize);
  if (proc?.has('num_image_tokens') && proc.positiveInt('num_image_tokens') !== featureSide ** 2) {
    throw new TesseraError(
      'MODEL_FILE_CORRUPT',
      `${proc.file}: "num_image_tokens" is ${String(proc.get('num_image_tokens'))}, but the vision encoder ` +
        `(${config.file}: ${imageSize} px in patches of ${patchSize}) gives ${featureSide ** 2} per view.`,
    );
  }

  const viewSide = squareSize(pre, 'size');
  if (viewSide !== imageSize) {
    throw new TesseraError(
      'MODEL_FILE_CORRUPT',
      `${pre.file} "size" makes ${viewSide}×${viewSide} views, but ${config.file} "vision_config.image_size" is ` +
        `${imageSize}: the vision encoder takes ${imageSize}×${imageSize}.`,
    );
  }

  // The processor cuts crops on its own pinpoints, the model rebuilds the grid on config.json's: they must agree.
  const pinpoints = readPinpoints(config, viewSide);
  if (pre.has('image_grid_pinpoints')) {
    const own = readPinpoints(pre, viewSide);
    if (JSON.stringify(own) !== JSON.stringify(pinpoints)) {
      throw new TesseraError(
        'MODEL_FILE_CORRUPT',
        `${pre.file} "image_grid_pinpoints" differ from ${config.file}'s: the crops would not match the feature grid.`,
      );
    }
  }

  const aspect = config.get('vision_aspect_ratio') ?? 'anyres_max_9';
  const match = typeof aspect === 'string' ? /^anyres_max_([1-9][0-9]*)$/.exec(aspect) : null;
  if (!match)
    config.fail('vision_aspect_ratio', '"anyres_max_N" (N a positive integer)', 'MODEL_UNSUPPORTED');

  return {
    imageTokenId,
    imageToken,
    viewSide,
    kernel: pre.kernel('resample', 3),
    ...pixelScaling(pre, { mean: OPENAI_CLIP_MEAN, std: OPENAI_CLIP_STD }),
    pinpoints,
    featureSide,
    maxViews: Number((match as RegExpExecArray)[1]),
  };
}

/** `[[height, width], …]`, each side a positive multiple of the view side (whole crops, whole feature grids). */
function readPinpoints(source: Source, viewSide: number): Size[] {
  const key = 'image_grid_pinpoints';
  const list = source.get(key);
  const want = `a list of [height, width] pairs, each a positive multiple of ${viewSide}`;
  if (!Array.isArray(list) || list.length === 0) return source.fail(key, want);
  return list.map((pair: unknown) => {
    const ok =
      Array.isArray(pair) &&
      pair.length === 2 &&
      pair.every((v) => Number.isInteger(v) && (v as number) > 0 && (v as number) % viewSide === 0);
    if (!ok) return source.fail(key, want);
    const [height, width] = pair as [number, number];
    return { width, height };
  });
}

/** `{height, width}` with height = width, or an int (Python's get_size_dict default_to_square). */
function squareSize(pre: Source, key: string): number {
  const value = pre.get(key);
  if (Number.isInteger(value) && (value as number) > 0) return value as number;
  const height = pre.positiveInt(`${key}.height`);
  if (pre.positiveInt(`${key}.width`) !== height) return pre.fail(key, 'a square {"height": n, "width": n}');
  return height;
}

function nonEmpty(source: Source, key: string): string {
  const value = source.get(key);
  return typeof value === 'string' && value.length > 0 ? value : source.fail(key, 'a non-empty string');
}
