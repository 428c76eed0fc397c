/**
 * Bounds on the config numbers that size tensors, allocations and plans, checked once when a folder's JSON is
 * read, whatever the family. Out of range they fail deep inside ("Invalid typed array length", a Reshape error
 * from onnxruntime) or make nonsense ("context window is -5"); here every bad value is named in one error.
 */
import { join } from 'node:path';
import { TesseraError } from '../errors.ts';

type Json = Record<string, unknown>;

interface Bound {
  min: number;
  max: number;
  /** An object is also allowed there (`size` is a number or {height, width}); its keys have their own rules. */
  orObject?: boolean;
}

const range = (min: number, max: number): Bound => ({ min, max });
/** The context window: far beyond any model's, and small enough to plan with. */
const CONTEXT = range(16, 2 ** 21);
/** One side of an image or tile the encoder sees. */
const EDGE = range(14, 8192);
/** A pixel count, or a size key Qwen2-VL uses as one (size.longest_edge is 12,845,056 there). */
const PIXELS = range(1, 2 ** 26);
const PATCH = range(1, 1024);
const FACTOR = range(1, 64);
const TOKENS = range(1, 2 ** 20);

/** config.json keys found at the top (Phi-3-vision's flat layout) and under text_config / vision_config. */
const MODEL_KEYS: Record<string, Bound> = {
  hidden_size: range(1, 2 ** 16),
  intermediate_size: range(1, 2 ** 20),
  num_hidden_layers: range(1, 1024),
  num_attention_heads: range(1, 1024),
  num_key_value_heads: range(1, 1024),
  head_dim: range(1, 8192),
  vocab_size: range(1, 2 ** 24),
};

const CONFIG_RULES: Record<string, Bound> = {
  ...prefixed(['', 'text_config.', 'vision_config.'], MODEL_KEYS),
  max_position_embeddings: CONTEXT,
  'text_config.max_position_embeddings': CONTEXT,
  'vision_config.image_size': EDGE,
  'vision_config.patch_size': PATCH,
  'vision_config.spatial_merge_size': FACTOR,
  scale_factor: FACTOR,
  downsample_factor: FACTOR,
  mm_tokens_per_image: TOKENS,
  image_seq_length: TOKENS,
  'img_processor.num_img_tokens': TOKENS,
  image_grid_pinpoints: EDGE,
};

const PREPROCESSOR_RULES: Record<string, Bound> = {
  size: { ...EDGE, orObject: true },
  'size.height': EDGE,
  'size.width': EDGE,
  'size.shortest_edge': PIXELS,
  'size.longest_edge': PIXELS,
  crop_size: { ...EDGE, orObject: true },
  'crop_size.height': EDGE,
  'crop_size.width': EDGE,
  'max_image_size.longest_edge': EDGE,
  tile_size: EDGE,
  image_grid_pinpoints: EDGE,
  min_pixels: PIXELS,
  max_pixels: PIXELS,
  patch_size: PATCH,
  encoder_patch_size: PATCH,
  merge_size: FACTOR,
  temporal_patch_size: FACTOR,
  downsample_factor: FACTOR,
  min_tiles: range(1, 1024),
  max_tiles: range(1, 1024),
  num_crops: range(1, 1024),
  num_img_tokens: TOKENS,
  min_image_tokens: TOKENS,
  max_image_tokens: TOKENS,
  max_num_patches: TOKENS,
  image_seq_length: TOKENS,
};

const PROCESSOR_RULES: Record<string, Bound> = {
  image_seq_len: TOKENS,
  image_seq_length: TOKENS,
  num_image_tokens: TOKENS,
  patch_size: PATCH,
};

export interface FolderJson {
  dir: string;
  config: Json;
  preprocessorConfig?: Json | null;
  processorConfig?: Json | null;
}

/** One sentence per file with bad values ("…/config.json has values Tessera cannot use: …"); empty when fine. */
export function configValueProblems(json: FolderJson): string[] {
  const files: Array<[string, Json | null | undefined, Record<string, Bound>]> = [
    ['config.json', json.config, CONFIG_RULES],
    ['preprocessor_config.json', json.preprocessorConfig, PREPROCESSOR_RULES],
    ['processor_config.json', json.processorConfig, PROCESSOR_RULES],
  ];
  const sentences: string[] = [];
  for (const [name, root, rules] of files) {
    if (!root) continue;
    const bad = Object.entries(rules).flatMap(([key, bound]) => problemsAt(root, key, bound));
    if (bad.length > 0)
      sentences.push(`${join(json.dir, name)} has values Tessera cannot use: ${bad.join('; ')}.`);
  }
  return sentences;
}

/** Throws one MODEL_FILE_CORRUPT error listing every bad value, in every file. */
export function checkConfigValues(json: FolderJson): void {
  const problems = configValueProblems(json);
  if (problems.length > 0) {
    throw new TesseraError(
      'MODEL_FILE_CORRUPT',
      `${problems.join(' ')} Fix the values or download the model again.`,
    );
  }
}

/** The context window the runtime plans with: text_config's (or the flat config's), 2048 when absent. */
export function contextLengthOf(config: Json): number {
  const text = isObject(config.text_config) ? config.text_config : config;
  return Number(text.max_position_embeddings ?? 2048);
}

function problemsAt(root: Json, key: string, bound: Bound): string[] {
  let value: unknown = root;
  for (const part of key.split('.')) value = isObject(value) ? value[part] : undefined;
  // Absent (or null, Python's None) means the family's default, which is sane.
  if (value === undefined || value === null) return [];
  if (bound.orObject && isObject(value)) return [];
  return numbersIn(value, key).flatMap(([path, v]) => (inBound(v, bound) ? [] : [describe(path, v, bound)]));
}

/** The value itself, or each number of a list (of lists: image_grid_pinpoints), with its path. */
function numbersIn(value: unknown, path: string): Array<[string, unknown]> {
  if (!Array.isArray(value)) return [[path, value]];
  return value.flatMap((item, i) => numbersIn(item, `${path}[${i}]`));
}

function inBound(value: unknown, bound: Bound): boolean {
  return Number.isInteger(value) && (value as number) >= bound.min && (value as number) <= bound.max;
}

function describe(path: string, value: unknown, bound: Bound): string {
  const shown = JSON.stringify(value) ?? String(value);
  const brief = shown.length > 40 ? `${shown.slice(0, 37)}...` : shown;
  return `${path} is ${brief} (must be a whole number from ${bound.min} to ${bound.max})`;
}

function prefixed(prefixes: readonly string[], rules: Record<string, Bound>): Record<string, Bound> {
  return Object.fromEntries(prefixes.flatMap((p) => Object.entries(rules).map(([k, b]) => [p + k, b])));
}

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
