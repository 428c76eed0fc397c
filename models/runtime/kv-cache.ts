/**
 * The decoder's cache: attention keys/values (`past_key_values.*`, one row per position) and, for hybrid
 * decoders such as LFM2, short-convolution states (`past_conv.*`, a fixed window of the last inputs). Shapes and
 * dtypes come from the graph's input metadata (fp16 exports keep a float16 cache), never from assumptions
 * about the config.
 *
 * Three layouts, chosen by the decoder session: `append` (a CPU decoder rewritten by cache-rewrite.ts; the
 * runtime owns growing buffers and appends the new rows each step, see append-cache.ts), `gqa` (a GQA-form CPU
 * decoder rewritten by gqa-rewrite.ts to return only the new rows, kept per head in gqa-cache.ts) and `present`
 * (the graph as exported: each run returns the whole cache, which becomes the next run's past).
 */
import { TesseraError } from '../errors.ts';
import type { Feeds, GraphSession, InputInfo, OrtTensor } from './onnx.ts';
import type { DeviceSlicer } from './device-slice.ts';
import { cpuData, disposeTensor, makeTensor } from './onnx.ts';
import { AppendCache } from './append-cache.ts';
import { GqaCache } from './gqa-cache.ts';
import { cacheInputs, cannotCrop, emptyPast, isState, pastNameFor } from './cache-inputs.ts';

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
    if (decoder.cacheLayout === 'append') return AppendCache.empty(inputs);
    return decoder.cacheLayout === 'gqa' ? GqaCache.empty(inputs) : PresentCache.empty(inputs);
  },
};

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
