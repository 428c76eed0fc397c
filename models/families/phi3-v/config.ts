/**
 * Reads the Phi-3/3.5-vision settings out of config.json and preprocessor_config.json (the remote-code
 * Phi3VImageProcessor: num_crops, num_img_tokens, image_mean/std). The `<|image|>` token id lives only in the
 * tokenizer files, so it is looked up there, and only when a prompt needs it (planning reads no tokenizer).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { TesseraError } from '../../errors.ts';
import { modelFileKind } from '../../files/bounded-read.ts';
import { readJsonObjectSync } from '../../files/json-file.ts';
import type { ModelJson } from '../family.ts';
import { Source, isObject } from '../json-source.ts';

/** OPENAI_CLIP_MEAN / OPENAI_CLIP_STD: Phi3VImageProcessor's defaults. */
export const OPENAI_CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073] as const;
export const OPENAI_CLIP_STD = [0.26862954, 0.26130258, 0.27577711] as const;

/** Side of the global view and of every HD crop: CLIP ViT-L/14-336's input, fixed in both processors. */
export const CROP_SIDE = 336;

/** What the processors put in the prompt for each image (transformers.js's IMAGE_TOKEN). */
export const IMAGE_TOKEN = '<|image|>';

export interface Phi3vConfig {
  /** Crops of the HD transform at detail "high": preprocessor_config "num_crops". */
  numCrops: number;
  /** Feature rows per 336-pixel view (144: 12 × 12 after the 2 × 2 merge); its square root is one row. */
  tokensPerCrop: number;
  /** Rows of one view (12); each row of the crop grid and of the global view ends in a newline row. */
  tokensPerRow: number;
  imageMean: readonly [number, number, number];
  imageStd: readonly [number, number, number];
  /** Tokenizer folder, for the lazy `<|image|>` lookup. */
  dir: string;
}

export function readPhi3vConfig(json: ModelJson): Phi3vConfig {
  const config = new Source(join(json.dir, 'config.json'), json.config);
  const pre = new Source(join(json.dir, 'preprocessor_config.json'), json.preprocessorConfig);
  if (config.get('model_type') !== 'phi3_v')
    return config.fail('model_type', '"phi3_v"', 'MODEL_UNSUPPORTED');

  const numCrops = pre.positiveInt('num_crops');
  const tokensPerCrop = pre.has('num_img_tokens')
    ? pre.positiveInt('num_img_tokens')
    : config.positiveInt('img_processor.num_img_tokens');
  const tokensPerRow = Math.sqrt(tokensPerCrop);
  if (!Number.isInteger(tokensPerRow)) {
    // The feature map of a view is square: 144 = 12 × 12 rows.
    return pre.fail('num_img_tokens', 'a square number (144 for CLIP ViT-L/14-336)');
  }
  return {
    numCrops,
    tokensPerCrop,
    tokensPerRow,
    imageMean: pre.triple('image_mean', OPENAI_CLIP_MEAN, false),
    imageStd: pre.triple('image_std', OPENAI_CLIP_STD, true),
    dir: json.dir,
  };
}

/**
 * The id of `<|image|>`: tokenizer_config.json "added_tokens_decoder" (small), else tokenizer.json
 * "added_tokens". transformers.js asks its tokenizer the same question (processing_phi3_v.js).
 */
export function imageTokenIdIn(dir: string): number {
  for (const [file, find] of [
    ['tokenizer_config.json', fromAddedTokensDecoder],
    ['tokenizer.json', fromAddedTokens],
  ] as const) {
    const path = join(dir, file);
    if (!existsSync(path)) continue;
    const parsed = readJsonObjectSync(path, modelFileKind(file));
    const id = find(parsed);
    if (id !== undefined) return id;
  }
  throw new TesseraError(
    'MODEL_FILE_CORRUPT',
    `The tokenizer in ${dir} has no ${IMAGE_TOKEN} token (tokenizer_config.json "added_tokens_decoder" or ` +
      'tokenizer.json "added_tokens"); Phi-3-vision prompts need it. Download the model again.',
  );
}

function fromAddedTokensDecoder(config: Record<string, unknown>): number | undefined {
  const decoder = config.added_tokens_decoder;
  if (!isObject(decoder)) return undefined;
  for (const [id, token] of Object.entries(decoder)) {
    if (isObject(token) && token.content === IMAGE_TOKEN && /^\d+$/.test(id)) return Number(id);
  }
  return undefined;
}

function fromAddedTokens(tokenizer: Record<string, unknown>): number | undefined {
  const added = tokenizer.added_tokens;
  if (!Array.isArray(added)) return undefined;
  for (const token of added) {
    if (isObject(token) && token.content === IMAGE_TOKEN && Number.isInteger(token.id))
      return token.id as number;
  }
  return undefined;
}
