/**
 * model_type → family, geometry only (the main process plans with it; the engine adds pixels in engines.ts).
 * A new family is one import and one entry in FAMILIES, and one in engines.ts.
 */
import { TesseraError } from '../errors.ts';
import type { ModelFamily } from './family.ts';
import { gemma3 } from './gemma3/geometry.ts';
import { lfm2Vl } from './lfm2-vl/geometry.ts';
import { llava } from './llava/geometry.ts';
import { llavaOnevision } from './llava-onevision/geometry.ts';
import { fastVlm } from './fastvlm/geometry.ts';
import { phi3v } from './phi3-v/geometry.ts';
import { qwen2Vl } from './qwen2-vl/geometry.ts';
import { smolvlm } from './smolvlm/geometry.ts';

export const FAMILIES: readonly ModelFamily[] = [
  smolvlm,
  llava,
  llavaOnevision,
  qwen2Vl,
  lfm2Vl,
  fastVlm,
  phi3v,
  gemma3,
];

export const SUPPORTED_MODEL_TYPES: readonly string[] = FAMILIES.flatMap((f) => f.modelTypes);

/** `file` is the config.json the model_type came from, for the message. */
export function familyForModelType(modelType: unknown, file: string): ModelFamily {
  const family = FAMILIES.find((f) => typeof modelType === 'string' && f.modelTypes.includes(modelType));
  if (family) return family;
  const what = typeof modelType === 'string' ? `model_type "${modelType}"` : 'no "model_type"';
  throw new TesseraError(
    'MODEL_UNSUPPORTED',
    `${file} has ${what}; Tessera supports model types: ${SUPPORTED_MODEL_TYPES.join(', ')}.`,
  );
}
