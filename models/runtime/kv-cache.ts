/**
 * The decoder's key/value cache as named tensors. Shapes and dtypes come from the graph's input metadata
 * (fp16 exports keep a float16 cache), never from assumptions about the config.
 */
import { TesseraError } from '../errors.ts';
import type { Feeds, GraphSession, InputInfo, OrtTensor } from './onnx.ts';
import type { DeviceSlicer } from './device-slice.ts';
import { cpuData, disposeTensor, emptyTensor, makeTensor } from './onnx.ts';

const PAST_PREFIX = 'past_key_values.';
const PRESENT_PREFIX = 'present.';

export function cacheInputs(decoder: GraphSession): InputInfo[] {
  return decoder.inputs.filter((input) => input.name.startsWith(PAST_PREFIX));
}

/** present.3.key → past_key_values.3.key */
export function pastNameFor(outputName: string): string | null {
  return outputName.startsWith(PRESENT_PREFIX) ? PAST_PREFIX + outputName.slice(PRESENT_PREFIX.length) : null;
}

export class KvCache {
  private constructor(
    readonly tensors: Map<string, OrtTensor>,
    /** Positions the cache holds. */
    readonly length: number,
  ) {}

  /** Zero-length past for every cache input: symbolic batch dims become 1, every other symbol 0. */
  static empty(decoder: GraphSession): KvCache {
    const inputs = cacheInputs(decoder);
    if (inputs.length === 0) {
      throw new TesseraError(
        'MODEL_GRAPH_MISMATCH',
        `${decoder.path} has no past_key_values.* inputs; Tessera needs a decoder exported with a KV cache (decoder_model_merged).`,
      );
    }
    const tensors = new Map<string, OrtTensor>();
    for (const input of inputs) {
      const dims = input.shape.map((d) => (typeof d === 'number' ? d : /batch/i.test(d) ? 1 : 0));
      tensors.set(input.name, emptyTensor(input.type, dims));
    }
    return new KvCache(tensors, 0);
  }

  /** The presents a decoder run returned, as the past of the next run. */
  static fromOutputs(outputs: Record<string, OrtTensor>, length: number): KvCache {
    const tensors = new Map<string, OrtTensor>();
    for (const [name, tensor] of Object.entries(outputs)) {
      const past = pastNameFor(name);
      if (past) tensors.set(past, tensor);
    }
    return new KvCache(tensors, length);
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
    return new KvCache(tensors, length);
  }

  dispose(): void {
    for (const tensor of this.tensors.values()) disposeTensor(tensor);
    this.tensors.clear();
  }
}
