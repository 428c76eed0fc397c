/**
 * The decoder's cache inputs and outputs as both cache layouts (kv-cache.ts, append-cache.ts) see them: names,
 * empty pasts, and the one refusal they share. Its own module so append-cache.ts need not import kv-cache.ts,
 * which imports it.
 */
import { TesseraError } from '../errors.ts';
import type { GraphSession, InputInfo, OrtTensor } from './onnx.ts';
import { emptyTensor, makeTensor } from './onnx.ts';

const PAST_PREFIX = 'past_key_values.';
const PRESENT_PREFIX = 'present.';
/** transformers.js's names for LFM2's conv states (configs.js getCacheNames). */
const PAST_CONV_PREFIX = 'past_conv.';
const PRESENT_CONV_PREFIX = 'present_conv.';

export function cacheInputs(decoder: GraphSession): InputInfo[] {
  return decoder.inputs.filter(
    (input) => input.name.startsWith(PAST_PREFIX) || input.name.startsWith(PAST_CONV_PREFIX),
  );
}

/** present.3.key → past_key_values.3.key; present_conv.0 → past_conv.0 */
export function pastNameFor(outputName: string): string | null {
  if (outputName.startsWith(PRESENT_CONV_PREFIX))
    return PAST_CONV_PREFIX + outputName.slice(PRESENT_CONV_PREFIX.length);
  return outputName.startsWith(PRESENT_PREFIX) ? PAST_PREFIX + outputName.slice(PRESENT_PREFIX.length) : null;
}

/** past_key_values.3.key → present.3.key; past_conv.0 → present_conv.0 */
export function presentNameFor(inputName: string): string {
  if (inputName.startsWith(PAST_CONV_PREFIX))
    return PRESENT_CONV_PREFIX + inputName.slice(PAST_CONV_PREFIX.length);
  return inputName.startsWith(PAST_PREFIX) ? PRESENT_PREFIX + inputName.slice(PAST_PREFIX.length) : inputName;
}

/** A conv state holds a window of the last inputs, not one row per position: it cannot be cut back. */
export const isState = (name: string) => name.startsWith(PAST_CONV_PREFIX);

/** Why a cache with conv states refused `crop` (callers check `croppable` first, so this is a bug). */
export function cannotCrop(from: number, to: number): TesseraError {
  return new TesseraError(
    'INTERNAL',
    `A cache with convolution states cannot be cropped from ${from} to ${to} positions; recompute instead.`,
  );
}

/** An empty past, or zeros for a state whose dims are all fixed: symbolic batch dims 1, other symbols 0. */
export function emptyPast(input: InputInfo): OrtTensor {
  const dims = input.shape.map((d) => (typeof d === 'number' ? d : /batch/i.test(d) ? 1 : 0));
  const size = dims.reduce((a, b) => a * b, 1);
  return size === 0 ? emptyTensor(input.type, dims) : zeros(input.type, dims, size);
}

function zeros(type: string, dims: readonly number[], size: number): OrtTensor {
  if (type === 'float32') return makeTensor(type, new Float32Array(size), dims);
  if (type === 'float16') return makeTensor(type, new Uint16Array(size), dims); // 0x0000 is +0 in fp16
  return emptyTensor(type, dims); // throws: an unsupported cache type
}
