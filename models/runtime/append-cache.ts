/**
 * The cache of a decoder rewritten by cache-rewrite.ts. Tessera owns one growing buffer per cache input,
 * sequence-major (`[row, kvHeads, headDim]`); each run is fed the first `1 + length` rows of every buffer
 * without a copy (onnxruntime-node reads input buffers in place) and returns only the new rows, which are
 * appended here. So a decode step moves a few kilobytes instead of the whole cache. Row 0 stays zero: the graph
 * slices it away (see cache-rewrite.ts).
 *
 * Buffers double when full, so growing costs one copy per doubling. Cropping only moves the length back.
 * Conv states (LFM2's `past_conv.*`) are small fixed windows and are replaced by each run's, as in the
 * exported layout.
 */
import { TesseraError } from '../errors.ts';
import type { DeviceSlicer } from './device-slice.ts';
import type { KvCache } from './kv-cache.ts';
import { cannotCrop, emptyPast, isState, pastNameFor } from './cache-inputs.ts';
import type { Feeds, InputInfo, OrtTensor } from './onnx.ts';
import { cpuData, makeTensor } from './onnx.ts';

type Rows = Float32Array | Uint16Array;

interface Buffer {
  type: 'float32' | 'float16';
  /** Values per row: kvHeads × headDim. */
  rowSize: number;
  kvHeads: number;
  headDim: number;
  data: Rows;
}

/** Rows a new buffer holds (grown by doubling from there). */
const INITIAL_ROWS = 256;

export class AppendCache implements KvCache {
  private constructor(
    private readonly buffers: Map<string, Buffer>,
    private readonly states: Map<string, OrtTensor>,
    private held: number,
  ) {}

  static empty(inputs: readonly InputInfo[]): AppendCache {
    const buffers = new Map<string, Buffer>();
    const states = new Map<string, OrtTensor>();
    for (const input of inputs) {
      if (isState(input.name)) {
        states.set(input.name, emptyPast(input));
        continue;
      }
      const [, kvHeads, headDim] = input.shape;
      if (input.shape.length !== 3 || typeof kvHeads !== 'number' || typeof headDim !== 'number') {
        throw new TesseraError(
          'INTERNAL',
          `${input.name} is not [rows, kv_heads, head_dim]; the decoder was not rewritten for an appended cache.`,
        );
      }
      if (input.type !== 'float32' && input.type !== 'float16') {
        throw new TesseraError('MODEL_GRAPH_MISMATCH', `Unsupported cache tensor type ${input.type}.`);
      }
      const rowSize = kvHeads * headDim;
      const data = allocate(input.type, INITIAL_ROWS * rowSize);
      buffers.set(input.name, { type: input.type, rowSize, kvHeads, headDim, data });
    }
    return new AppendCache(buffers, states, 0);
  }

  get length(): number {
    return this.held;
  }

  get croppable(): boolean {
    return this.states.size === 0;
  }

  get bytes(): number {
    let total = 0;
    for (const b of this.buffers.values()) total += b.data.byteLength;
    for (const t of this.states.values()) total += t.size * (t.type === 'float16' ? 2 : 4);
    return total;
  }

  feeds(): Feeds {
    const feeds: Feeds = Object.fromEntries(this.states);
    const rows = 1 + this.held;
    for (const [name, b] of this.buffers) {
      feeds[name] = makeTensor(b.type, b.data.subarray(0, rows * b.rowSize), [rows, b.kvHeads, b.headDim]);
    }
    return feeds;
  }

  advance(outputs: Record<string, OrtTensor>, length: number): KvCache {
    const added = length - this.held;
    for (const [name, tensor] of Object.entries(outputs)) {
      const past = pastNameFor(name);
      if (!past) continue;
      if (isState(past)) {
        this.states.set(past, tensor);
        continue;
      }
      const buffer = this.buffers.get(past);
      if (!buffer)
        throw new TesseraError('INTERNAL', `The decoder returned ${name}, which the cache does not hold.`);
      const rows = cpuData(tensor) as Rows;
      if (rows.length !== added * buffer.rowSize) {
        throw new TesseraError(
          'INTERNAL',
          `${name} has ${rows.length / buffer.rowSize} new rows where ${added} positions were fed.`,
        );
      }
      const offset = (1 + this.held) * buffer.rowSize;
      if (offset + rows.length > buffer.data.length) buffer.data = grow(buffer, offset + rows.length);
      buffer.data.set(rows, offset);
    }
    this.held = length;
    return this;
  }

  // async, so a refusal rejects as PresentCache's does
  async crop(length: number, _slicer?: DeviceSlicer): Promise<KvCache> {
    if (length >= this.held) return this;
    if (!this.croppable) throw cannotCrop(this.held, length);
    this.held = length;
    return this;
  }

  dispose(): void {
    this.buffers.clear();
    this.states.clear();
    this.held = 0;
  }
}

function allocate(type: 'float32' | 'float16', size: number): Rows {
  return type === 'float32' ? new Float32Array(size) : new Uint16Array(size); // 0x0000 is +0 in fp16
}

/** A buffer at least `needed` values long, doubled from the current one, with its contents. */
function grow(buffer: Buffer, needed: number): Rows {
  let size = buffer.data.length;
  while (size < needed) size *= 2;
  const next = allocate(buffer.type, size);
  next.set(buffer.data);
  return next;
}
