import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GraphBuilder, float, int } from './graph-builder.ts';

const { onnx } = onnxProto;
type Tensor = InstanceType<typeof onnx.TensorProto>;
const externalEntries = (t: Tensor | undefined): Record<string, string> =>
  Object.fromEntries((t?.externalData ?? []).map((e) => [e.key, e.value]));
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'graph-builder-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** y = LeakyRelu(x · W + b): a symbolic batch dim, a weight, a bias and a float attribute. */
function affine(g: GraphBuilder, w: Float32Array, b: Float32Array): void {
  const x = g.input('x', 'float32', ['batch_size', 4]);
  const xw = g.op('MatMul', [x, g.initializer('w', 'float32', [4, w.length / 4], w)]);
  const sum = g.op('Add', [xw, g.initializer('b', 'float32', [b.length], b)]);
  g.op('LeakyRelu', [sum], { alpha: float(0.5) }, 'y');
  g.output('y', 'float32', ['batch_size', b.length]);
}

const W = Float32Array.from({ length: 4 * 300 }, (_, i) => ((i % 7) - 3) / 4);
const B = Float32Array.from({ length: 300 }, (_, i) => (i % 5) - 2);
const X = Float32Array.from([1, -2, 3, 0.5, 0, 1, 0, -1]);

function expected(): Float32Array {
  const out = new Float32Array(2 * 300);
  for (let r = 0; r < 2; r++) {
    for (let c = 0; c < 300; c++) {
      let s = B[c] as number;
      for (let k = 0; k < 4; k++) s += (X[r * 4 + k] as number) * (W[k * 300 + c] as number);
      out[r * 300 + c] = s < 0 ? 0.5 * s : s;
    }
  }
  return out;
}

async function run(path: string): Promise<{ session: ort.InferenceSession; y: Float32Array }> {
  const session = await ort.InferenceSession.create(path);
  const result = await session.run({ x: new ort.Tensor('float32', X, [2, 4]) });
  return { session, y: result['y']?.data as Float32Array };
}

describe('GraphBuilder', () => {
  it('writes a model onnxruntime loads, with symbolic dims and the right numbers', async () => {
    const path = join(dir, 'inline.onnx');
    const g = new GraphBuilder({ name: 'affine', path });
    affine(g, W, B);
    expect(await g.save()).toEqual(['inline.onnx']);
    const { session, y } = await run(path);
    expect(session.inputMetadata).toEqual([
      { name: 'x', isTensor: true, type: 'float32', shape: ['batch_size', 4] },
    ]);
    expect(session.outputNames).toEqual(['y']);
    expect(Array.from(y)).toEqual(Array.from(expected()));
  });

  it('puts large initializers in <file>.onnx_data at aligned offsets, small ones inline', async () => {
    const path = join(dir, 'external.onnx');
    const g = new GraphBuilder({ name: 'affine', path, externalData: true });
    affine(g, W, B);
    expect(await g.save()).toEqual(['external.onnx', 'external.onnx_data']);

    const model = onnx.ModelProto.decode(await readFile(path));
    const tensors: Record<string, Tensor> = Object.fromEntries(
      (model.graph?.initializer ?? []).map((t) => [t.name, t as Tensor]),
    );
    const w = tensors['w'];
    const b = tensors['b'];
    expect(w?.dataLocation).toBe(onnx.TensorProto.DataLocation.EXTERNAL);
    expect(w?.rawData.length).toBe(0);
    const entries = externalEntries(w);
    expect(entries['location']).toBe('external.onnx_data');
    expect(Number(entries['offset']) % 4096).toBe(0);
    expect(Number(entries['length'])).toBe(W.byteLength);
    expect(b?.dataLocation).toBe(onnx.TensorProto.DataLocation.EXTERNAL);
    const bEntries = externalEntries(b);
    expect(Number(bEntries['offset']) % 4096).toBe(0);
    expect(Number(bEntries['offset'])).toBeGreaterThanOrEqual(W.byteLength);
    expect((await stat(`${path}_data`)).size).toBe(Number(bEntries['offset']) + B.byteLength);

    const { y } = await run(path);
    expect(Array.from(y)).toEqual(Array.from(expected()));
  });

  it('records com.microsoft in the opset imports only when a node uses it', () => {
    const plain = new GraphBuilder({ name: 'p' });
    plain.op('Identity', [plain.input('x', 'float32', [1])], undefined, 'y');
    const withMs = new GraphBuilder({ name: 'm' });
    withMs.node('FastGelu', [withMs.input('x', 'float32', [1])], { domain: 'com.microsoft', outputs: ['y'] });
    const domains = (g: GraphBuilder) =>
      onnx.ModelProto.decode(g.toBytes()).opsetImport.map((o) => [o.domain, Number(o.version)]);
    expect(domains(plain)).toEqual([['', 17]]);
    expect(domains(withMs)).toEqual([
      ['', 17],
      ['com.microsoft', 1],
    ]);
  });

  it('shares equal constants and rejects duplicate names and wrong sizes', () => {
    const g = new GraphBuilder({ name: 'g' });
    expect(g.i64([1, 2])).toBe(g.i64([1, 2]));
    expect(g.i64([1, 2])).not.toBe(g.i64([2, 1]));
    expect(g.f32(1)).not.toBe(g.i64([1]));
    g.input('x', 'float32', [1]);
    expect(() => g.input('x', 'float32', [1])).toThrow(/duplicate/);
    expect(() => g.initializer('w', 'float32', [2, 2], new Float32Array(3))).toThrow(/3 values/);
    expect(() => new GraphBuilder({ name: 'e', externalData: true })).toThrow(/path/);
    expect(int(2)).toEqual({ kind: 'int', value: 2 });
  });
});
