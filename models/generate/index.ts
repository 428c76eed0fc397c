/**
 * Generates complete model folders with seeded random weights, in the layout the real models ship in,
 * so the runtime and transformers.js can load them without downloading anything.
 */
import { mkdir, readdir, rename, rm, rmdir } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { TesseraError } from '../errors.ts';
import { generateGemma3 } from './families/gemma3/generate.ts';
import { generateLfm2Vl } from './families/lfm2-vl/generate.ts';
import { generateLlava } from './families/llava/generate.ts';
import { generateOnevision } from './families/llava-onevision/generate.ts';
import { generateFastVlm } from './families/fastvlm/generate.ts';
import { generatePhi3v } from './families/phi3-v/generate.ts';
import { generateQwen25Vl, generateQwen2Vl } from './families/qwen2-vl/generate.ts';
import { generateSmolVlm } from './families/smolvlm/generate.ts';
import type { AttentionForm, FamilyGenerator, ModelDType, ModelSize } from './types.ts';

export type { AttentionForm, ModelDType, ModelSize } from './types.ts';

const FAMILIES = {
  smolvlm: generateSmolVlm,
  llava: generateLlava,
  'llava-onevision': generateOnevision,
  fastvlm: generateFastVlm,
  gemma3: generateGemma3,
  'qwen2-vl': generateQwen2Vl,
  'qwen2.5-vl': generateQwen25Vl,
  'phi3-v': generatePhi3v,
  'lfm2-vl': generateLfm2Vl,
} satisfies Record<string, FamilyGenerator>;

export type GeneratedFamily = keyof typeof FAMILIES;
export const GENERATED_FAMILIES = Object.keys(FAMILIES) as GeneratedFamily[];
/** Families whose generator can also write the GQA-form decoder (their onnx-community exports use it). */
export const GQA_FAMILIES: readonly GeneratedFamily[] = ['gemma3'];

export interface MakeModelOptions {
  family: GeneratedFamily;
  size: ModelSize;
  dtype: ModelDType;
  /** More variants of every graph in the same folder. */
  extraDtypes?: readonly ModelDType[];
  seed: number;
  /** Folder to create; must not exist or be empty. */
  outDir: string;
  /** Weights in `<graph>.onnx_data` files (default: only for `realistic`). */
  externalData?: boolean;
  /** Overrides max_position_embeddings (so tests can run past the context window cheaply). */
  contextLength?: number;
  /** The decoder's attention form (default plain; gqa only for GQA_FAMILIES). */
  attention?: AttentionForm;
}

/**
 * Writes the model into a temporary sibling of `outDir` and renames it into place, so `outDir` never holds
 * a half-written model. Refuses to overwrite a non-empty `outDir`.
 */
export async function makeModel(options: MakeModelOptions): Promise<{ dir: string; files: string[] }> {
  const generate: FamilyGenerator | undefined = FAMILIES[options.family];
  if (!generate) {
    throw new TesseraError('BAD_REQUEST', `makeModel: unknown family '${options.family}'`);
  }
  if (options.attention === 'gqa' && !GQA_FAMILIES.includes(options.family)) {
    throw new TesseraError(
      'BAD_REQUEST',
      `makeModel: no GQA-form decoder for '${options.family}' (only ${GQA_FAMILIES.join(', ')})`,
    );
  }
  if (!Number.isInteger(options.seed)) {
    throw new TesseraError('BAD_REQUEST', `makeModel: seed must be an integer, got ${options.seed}`);
  }
  const dir = resolve(options.outDir);
  await assertEmptyOrMissing(dir);
  await mkdir(dirname(dir), { recursive: true });
  const temp = join(
    dirname(dir),
    `.${basename(dir)}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`,
  );
  await mkdir(temp);
  try {
    const files = await generate({
      dir: temp,
      size: options.size,
      dtype: options.dtype,
      extraDtypes: options.extraDtypes,
      seed: options.seed,
      externalData: options.externalData ?? options.size === 'realistic',
      contextLength: options.contextLength,
      attention: options.attention,
    });
    await assertEmptyOrMissing(dir);
    // rename() cannot replace a directory on every platform, so an empty outDir is removed first.
    await rmdir(dir).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
    await rename(temp, dir);
    return { dir, files: files.sort() };
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw error;
  }
}

async function assertEmptyOrMissing(dir: string): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  if (entries.length > 0) {
    throw new TesseraError(
      'BAD_REQUEST',
      `makeModel: ${dir} already exists and is not empty (${entries.length} entries); ` +
        'choose another outDir or delete it first',
    );
  }
}
