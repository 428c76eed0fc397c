/** model_type → family. A new family is one import and one entry in FAMILIES. */
import { TesseraError } from '../errors.ts';
import type { ModelFamily } from './family.ts';
import { llava } from './llava/index.ts';
import { smolvlm } from './smolvlm/index.ts';

const FAMILIES: readonly ModelFamily[] = [smolvlm, llava];

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
