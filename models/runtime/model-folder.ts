/**
 * Reads a model folder in the Hugging Face onnx-community layout: JSON configs at the top, graphs under
 * onnx/ as `{module}{suffix}.onnx` with optional external data beside them.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { TesseraError } from '../errors.ts';
import type { FamilyModel, ModelJson, SessionRole } from '../families/family.ts';
import { modelFileKind } from '../files/bounded-read.ts';
import { checkConfigValues } from '../files/config-values.ts';
import { readJsonObjectSync } from '../files/json-file.ts';
import type { Provider } from './devices.ts';

export const MODULES = ['vision_encoder', 'embed_tokens', 'decoder_model_merged'] as const;
/** A graph's file stem: one of MODULES, or a family's own (Phi-3-vision's prepare_inputs_embeds, model). */
export type ModuleName = string;

/** The graph of each role, unless the family names its own (FamilyModel.sessionFiles). */
export const DEFAULT_SESSION_FILES: Readonly<Record<SessionRole, ModuleName>> = {
  vision: 'vision_encoder',
  embed: 'embed_tokens',
  decoder: 'decoder_model_merged',
};

export function sessionFilesOf(family: Pick<FamilyModel, 'sessionFiles'>): Record<SessionRole, ModuleName> {
  return { ...DEFAULT_SESSION_FILES, ...family.sessionFiles };
}

export const DTYPE_SUFFIX = {
  fp32: '',
  fp16: '_fp16',
  q8: '_quantized',
  int8: '_int8',
  uint8: '_uint8',
  q4: '_q4',
  q4f16: '_q4f16',
  bnb4: '_bnb4',
} as const;
export type Dtype = keyof typeof DTYPE_SUFFIX;
export const DTYPES = Object.keys(DTYPE_SUFFIX) as Dtype[];

/** What runs best per provider, first found wins: half precision on GPUs, 4/8-bit integer weights on CPU. */
const PREFERENCE: Record<Provider, readonly Dtype[]> = {
  webgpu: ['q4f16', 'fp16', 'fp32', 'q4', 'q8'],
  cuda: ['fp16', 'q4f16', 'fp32', 'q4', 'q8'],
  dml: ['fp16', 'q4f16', 'fp32', 'q4', 'q8'],
  coreml: ['fp32', 'fp16', 'q8', 'q4'],
  cpu: ['q4', 'q8', 'int8', 'uint8', 'fp32', 'fp16', 'bnb4', 'q4f16'],
};

/**
 * The vision encoder on the CPU prefers dynamic int8 (q8): its large batched products run onnxruntime's
 * integer GEMM, measured 2.1× the float one for a ViT-sized product and 1.3× for the whole 13-frame
 * SigLIP encoder on the 2-core AVX2 VM, where q4's MatMulNBits multiplies in float. The decoder keeps q4:
 * one token at a time it reads the fewest bytes.
 */
const CPU_VISION_PREFERENCE: readonly Dtype[] = [
  'q8',
  'q4',
  'int8',
  'uint8',
  'fp32',
  'fp16',
  'bnb4',
  'q4f16',
];

export type DtypeChoice = Dtype | Partial<Record<ModuleName, Dtype>>;

export function readJson(dir: string, name: string, required: true): Record<string, unknown>;
export function readJson(dir: string, name: string, required: false): Record<string, unknown> | null;
export function readJson(dir: string, name: string, required: boolean): Record<string, unknown> | null {
  const path = join(dir, name);
  if (!existsSync(path)) {
    if (!required) return null;
    throw new TesseraError(
      'MODEL_FILE_MISSING',
      `The model folder ${dir} has no ${name}. Choose a complete model folder, or download the model again.`,
    );
  }
  return readJsonObjectSync(path, modelFileKind(name));
}

/** The JSON a family needs to plan images, its numbers checked (config-values.ts); no ONNX file is touched. */
export function readModelJson(dir: string): ModelJson {
  if (!existsSync(dir)) {
    throw new TesseraError('MODEL_FILE_MISSING', `The model folder ${dir} does not exist.`);
  }
  const json = {
    dir,
    config: readJson(dir, 'config.json', true),
    preprocessorConfig: readJson(dir, 'preprocessor_config.json', true),
    processorConfig: readJson(dir, 'processor_config.json', false),
  };
  checkConfigValues(json);
  return json;
}

export function graphPath(dir: string, module: ModuleName, dtype: Dtype): string {
  return join(dir, 'onnx', `${module}${DTYPE_SUFFIX[dtype]}.onnx`);
}

export function availableDtypes(dir: string, module: ModuleName): Dtype[] {
  return DTYPES.filter((dtype) => existsSync(graphPath(dir, module, dtype)));
}

/** Picks the variant of one module: the caller's choice if given, else the provider's preference. */
export function chooseDtype(
  dir: string,
  module: ModuleName,
  provider: Provider,
  choice?: DtypeChoice,
  role?: SessionRole,
): Dtype {
  const available = availableDtypes(dir, module);
  const wanted = typeof choice === 'string' ? choice : choice?.[module];
  if (wanted) {
    if (available.includes(wanted)) return wanted;
    throw new TesseraError(
      'MODEL_FILE_MISSING',
      `The model folder ${dir} has no ${module} in ${wanted} (expected onnx/${module}${DTYPE_SUFFIX[wanted]}.onnx). ` +
        (available.length ? `Available: ${available.join(', ')}.` : 'No variant of it is present.'),
    );
  }
  const order = provider === 'cpu' && role === 'vision' ? CPU_VISION_PREFERENCE : PREFERENCE[provider];
  const pick = order.find((d) => available.includes(d));
  if (!pick) {
    throw new TesseraError(
      'MODEL_FILE_MISSING',
      `The model folder ${dir} has no onnx/${module}*.onnx. Download the model again; a model is usable only with all its graphs.`,
    );
  }
  return pick;
}
