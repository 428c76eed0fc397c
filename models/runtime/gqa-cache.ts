/**
 * The cache of a GQA-form decoder rewritten by gqa-rewrite.ts. Tessera owns one buffer per cache input, laid
 * out as the kernel reads its past, `[kvHeads, capacity, headDim]` (BNSH, batch 1), with spare rows at the end
 * of each head. Each run is fed the whole buffer without a copy (onnxruntime-node reads input buffers in place;
 * GroupQueryAttention reads only the rows its seqlens_k counts) and returns only the new rows, written here into
 * each head's next rows. The capacity doubles when full (each head's rows move once per doubling); cropping only
 * moves the length back.
 */
import { TesseraError } from '../errors.ts';
import type { DeviceSlicer } from './device-slice.ts';
import type { KvCache } from './kv-cache.ts';
import { pastNameFor } from './cache-inputs.ts';
import type { Feeds, InputInfo, OrtTensor } from './onnx.ts';
import { cpuData, makeTensor } from './onnx.ts';

type Rows = Float32Array | Uint16Array;

interface HeadBuffer {
  type: 'float32' | 'float16';
  kvHeads: number;
  headDim: number;
  /** Rows each head has room for. */
  capacity: number;
  data: Rows;
}

/** Rows per head of a new buffer (grown by doubling from there). */
const INITIAL_ROWS = 256;

export class GqaCache implements KvCache {
  readonly croppable = true;

  private constructor(
    private readonly buffers: Map<string, HeadBuffer>,
    private held: number,
  ) {}

  static empty(inputs: readonly InputInfo[]): GqaCache {
    const buffers = new Map<string, HeadBuffer>();
    for (const input of inputs) {
      const [, kvHeads, , headDim] = input.shape;
      if (input.shape.length !== 4 || typeof kvHeads !== 'number' || typeof headDim !== 'number') {
        throw new TesseraError(
          'INTERNAL',
          `${input.name} is not [batch, kv_heads, past, head_dim]; the decoder is not a GQA-form decoder.`,
        );
      }
      if (input.type !== 'float32' && input.type !== 'float16') {
        throw new TesseraError('MODEL_GRAPH_MISMATCH', `Unsupported cache tensor type ${input.type}.`);
      }
      buffers.set(input.name, {
        type: input.type,
        kvHeads,
        headDim,
        capacity: 0,
        data: allocate(input.type, 0),
      });
    }
    return new GqaCache(buffers, 0);
  }

  get length(): number {
    return this.held;
  }

  get bytes(): number {
    let total = 0;
    for (const b of this.buffers.values()) total += b.data.byteLength;
    return total;
  }

  feeds(): Feeds {
    const feeds: Feeds = {};
    for (const [name, b] of this.buffers)
      feeds[name] = makeTensor(b.type, b.data, [1, b.kvHeads, b.capacity, b.headDim]);
    return feeds;
  }

  advance(outputs: Record<string, OrtTensor>, length: number): KvCache {
    const added = length - this.held;
    for (const [name, tensor] of Object.entries(outputs)) {
      const past = pastNameFor(name);
      if (!past) continue;
      const buffer = this.buffers.get(past);
      if (!buffer)
        throw new TesseraError('INTERNAL', `The decoder returned ${name}, which the cache does not hold.`);
      const { kvHeads, headDim } = buffer;
      const rows = cpuData(tensor) as Rows;
      if (rows.length !== kvHeads * added * headDim) {
        throw new TesseraError(
          'INTERNAL',
          `${name} has ${rows.length / (kvHeads * headDim)} new rows per head where ${added} positions were fed.`,
        );
      }
      if (length > buffer.capacity) grow(buffer, length, this.held);
      for (let h = 0; h < kvHeads; h++) {
        const head = rows.subarray(h * added * headDim, (h + 1) * added * headDim);
        buffer.data.set(head, (h * buffer.capacity + this.held) * headDim);
      }
    }
    this.held = length;
    return this;
  }

  // async, so it resolves as PresentCache's does
  async crop(length: number, _slicer?: DeviceSlicer): Promise<KvCache> {
    this.held = Math.min(this.held, length);
    return this;
  }

  dispose(): void {
    this.buffers.clear();
    this.held = 0;
  }
}

function allocate(type: 'float32' | 'float16', size: number): Rows {
  return type === 'float32' ? new Float32Array(size) : new Uint16Array(size);
}

/** Room for at least `needed` rows per head, doubled from the current capacity; the first `held` rows move. */
function grow(buffer: HeadBuffer, needed: number, held: number): void {
  let capacity = Math.max(buffer.capacity, INITIAL_ROWS);
  while (capacity < needed) capacity *= 2;
  const next = allocate(buffer.type, buffer.kvHeads * capacity * buffer.headDim);
  const rowValues = held * buffer.headDim;
  for (let h = 0; h < buffer.kvHeads; h++) {
    const from = h * buffer.capacity * buffer.headDim;
    next.set(buffer.data.subarray(from, from + rowValues), h * capacity * buffer.headDim);
  }
  buffer.capacity = capacity;
  buffer.data = next;
}
