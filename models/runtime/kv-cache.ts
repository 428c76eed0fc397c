/**
 * The decoder's cache: attention keys/values (`past_key_values.*`, one row per position) and, for hybrid
 * decoders such as LFM2, short-convolution states (`past_conv.*`, a fixed window of the last inputs). Shapes and
 * dtypes come from the graph's input metadata (fp16 exports keep a float16 cache), never from assumptions
 * about the config.
 *
 * Two layouts, chosen by the decoder session: `append` (a CPU decoder rewritten by cache-rewrite.ts; the
 * runtime owns growing buffers and appends the new rows each step, see append-cache.ts) and `present` (the
 * graph as exported: each run returns the whole cache, which becomes the next run's past).
 */
import { TesseraError } from '../errors.ts';
import type { Feeds, GraphSession, InputInfo, OrtTensor } from './onnx.ts';
import type { DeviceSlicer } from './device-slice.ts';
import { cpuData, disposeTensor, emptyTensor, makeTensor } from './onnx.ts';
import { AppendCache } from './append-cache.ts';

export interface KvCache {
  /** Positions the cache holds. */
  readonly length: number;
  /**
   * Whether `crop` can cut this cache back to an earlier position. A cache with conv states cannot: it can
   * only be extended, so a conversation that does not extend exactly what it holds is recomputed.
   */
  readonly croppable: boolean;
  /** Memory the cache holds. */
  readonly bytes: number;
  /** The past inputs of the next decoder run. */
  feeds(): Feeds;
  /** The cache after a run that returned `outputs` and now covers `length` positions (this one is used up). */
  advance(outputs: Record<string, OrtTensor>, length: number): KvCache;
  /** The first `length` positions (this one is used up unless it is returned). */
  crop(length: number, slicer?: DeviceSlicer): Promise<KvCache>;
  dispose(): void;
}

export const KvCache = {
  /** An empty cache in the layout the decoder session runs. */
  empty(decoder: GraphSession): KvCache {
    const inputs = cacheInputs(decoder);
    if (inputs.length === 0) {
      throw new TesseraError(
        'MODEL_GRAPH_MISMATCH',
        `${decoder.path} has no past_key_values.* inputs; Tessera needs a decoder exported with a KV cache (decoder_model_merged).`,
      );
    }
    return decoder.cacheLayout === 'append' ? AppendCache.empty(inputs) : PresentCache.empty(inputs);
  },
};

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

/** The exported layout: every run returns the whole cache (`present.*`), the next run's past. */
class PresentCache implements KvCache {
  private constructor(
    readonly tensors: Map<string, OrtTensor>,
    readonly length: number,
  ) {}

  /**
   * Empty past for every cache input: symbolic batch dims become 1, every other symbol 0. A state whose
   * dims are all fixed (LFM2's conv window [batch, hidden, L_cache]) starts as zeros of that size.
   */
  static empty(inputs: readonly InputInfo[]): PresentCache {
    const tensors = new Map<string, OrtTensor>();
    for (const input of inputs) tensors.set(input.name, emptyPast(input));
    return new PresentCache(tensors, 0);
  }

  advance(outputs: Record<string, OrtTensor>, length: number): KvCache {
    const tensors = new Map<string, OrtTensor>();
    for (const [name, tensor] of Object.entries(outputs)) {
      const past = pastNameFor(name);
      if (past) tensors.set(past, tensor);
    }
    this.dispose();
    return new PresentCache(tensors, length);
  }

  get croppable(): boolean {
    for (const name of this.tensors.keys()) if (isState(name)) return false;
    return true;
  }

  feeds(): Feeds {
    return Object.fromEntries(this.tensors);
  }

  get bytes(): number {
    let total = 0;
    for (const t of this.tensors.values()) total += t.size * (t.type === 'float16' ? 2 : 4);
    return total;
  }

  /**
   * The first `length` positions, copied (the sequence axis is dim 2: [batch, heads, seq, head_dim]).
   * Device-resident tensors are cropped on the device by `slicer`.
   */
  async crop(length: number, slicer?: DeviceSlicer): Promise<KvCache> {
    if (length >= this.length) return this;
    if (!this.croppable) throw cannotCrop(this.length, length);
    const tensors = new Map<string, OrtTensor>();
    for (const [name, tensor] of this.tensors) {
      if (tensor.location !== 'cpu') {
        if (!slicer) throw new Error('cropping a device-resident cache needs a DeviceSlicer');
        tensors.set(name, await slicer.cropSequence(tensor, length));
        continue;
      }
      const [batch = 1, heads = 1, seq = 0, headDim = 1] = tensor.dims;
      const data = cpuData(tensor);
      const Ctor = data.constructor as new (n: number) => typeof data;
      const out = new Ctor(batch * heads * length * headDim) as Float32Array;
      const source = data as Float32Array;
      for (let bh = 0; bh < batch * heads; bh++) {
        out.set(source.subarray(bh * seq * headDim, (bh * seq + length) * headDim), bh * length * headDim);
      }
      tensors.set(name, makeTensor(tensor.type, out, [batch, heads, length, headDim]));
    }
    return new PresentCache(tensors, length);
  }

  dispose(): void {
    for (const tensor of this.tensors.values()) disposeTensor(tensor);
    this.tensors.clear();
  }
}

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
