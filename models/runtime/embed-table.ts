/**
 * Token embedding as a table read. The usual `embed_tokens` graph is one Gather from a float table; running it
 * through onnxruntime costs a session run (and a thread pool waking up next to the decoder's) for every
 * generated token. Where the graph is exactly that, Tessera reads the table once and copies rows itself; any
 * other embedder (quantised tables, scaling, extra inputs) keeps its session.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { dirname, join } from 'node:path';
import onnxProto from 'onnx-proto';
import { TesseraError } from '../errors.ts';
import type { GraphSession } from './onnx.ts';
import { cpuData, makeTensor } from './onnx.ts';

const { onnx } = onnxProto;
const FLOAT = onnx.TensorProto.DataType.FLOAT;

export interface EmbeddingTable {
  rows: number;
  width: number;
  data: Float32Array;
}

/** The table of a graph that is a single `Gather(table, input_ids) → inputs_embeds`, or null. */
export function readEmbeddingTable(path: string, modelBytes: Uint8Array): EmbeddingTable | null {
  const graph = onnx.ModelProto.decode(modelBytes).graph;
  const nodes = graph?.node ?? [];
  const [gather] = nodes;
  if (nodes.length !== 1 || gather?.opType !== 'Gather' || (gather.domain ?? '') !== '') return null;
  if (gather.input?.[1] !== 'input_ids' || gather.output?.[0] !== 'inputs_embeds') return null;
  if (Number(gather.attribute?.find((a) => a.name === 'axis')?.i ?? 0) !== 0) return null;
  const table = graph?.initializer?.find((t) => t.name === gather.input?.[0]);
  const [rows, width] = (table?.dims ?? []).map(Number);
  if (!table || table.dataType !== FLOAT || table.dims?.length !== 2 || !rows || !width) return null;
  const data = new Float32Array(rows * width);
  const bytes = new Uint8Array(data.buffer);
  const external = Object.fromEntries((table.externalData ?? []).map((e) => [e.key, e.value]));
  if (external.location) {
    const file = join(dirname(path), external.location);
    const offset = Number(external.offset ?? 0);
    const length = Number(external.length ?? bytes.byteLength);
    if (length !== bytes.byteLength) return null;
    const fd = openSync(file, 'r');
    try {
      for (let done = 0; done < length;) {
        const read = readSync(fd, bytes, done, length - done, offset + done);
        if (read === 0) {
          throw new TesseraError(
            'MODEL_FILE_CORRUPT',
            `${file} ends before the embedding table it should hold (${length} bytes at ${offset}); download the model again.`,
          );
        }
        done += read;
      }
    } finally {
      closeSync(fd);
    }
  } else if (table.rawData?.byteLength === bytes.byteLength) {
    bytes.set(table.rawData);
  } else if (table.floatData?.length === data.length) {
    data.set(table.floatData);
  } else {
    return null;
  }
  return { rows, width, data };
}

/** A GraphSession that embeds `input_ids` by copying table rows (no onnxruntime session). */
export function tableSession(path: string, table: EmbeddingTable): GraphSession {
  return {
    path,
    provider: 'cpu',
    inputs: [{ name: 'input_ids', type: 'int64', shape: ['batch_size', 'sequence_length'] }],
    outputNames: ['inputs_embeds'],
    tableLookup: true,
    run: (feeds) => {
      const ids = feeds.input_ids;
      if (!ids) return Promise.reject(new Error(`${path}: input_ids not fed`));
      const values = cpuData(ids) as BigInt64Array;
      const out = new Float32Array(values.length * table.width);
      for (let i = 0; i < values.length; i++) {
        const id = Number(values[i]);
        if (!(id >= 0 && id < table.rows)) {
          return Promise.reject(
            new TesseraError(
              'INTERNAL',
              `Token id ${id} is outside the embedding table's ${table.rows} rows.`,
            ),
          );
        }
        out.set(table.data.subarray(id * table.width, (id + 1) * table.width), i * table.width);
      }
      const seq = ids.dims[ids.dims.length - 1] ?? values.length;
      return Promise.resolve({
        inputs_embeds: makeTensor('float32', out, [values.length / seq, seq, table.width]),
      });
    },
    release: () => Promise.resolve(),
  };
}
