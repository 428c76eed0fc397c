/**
 * The tanh GELU fusion (gelu-fusion.ts): each spelling exporters write becomes one FastGelu with the same
 * values, a chain that differs anywhere is left alone, and on a generated SmolVLM the vision encoder's GELUs are
 * fused at load with the answer unchanged.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { noiseImage } from '../testing/images.ts';
import { testModelDir } from '../testing/test-models.ts';
import { fuseTanhGelu } from './gelu-fusion.ts';
import { GraphBuilder } from './graph-builder.ts';
import { Vlm } from './vlm.ts';

const { onnx } = onnxProto;
type ModelProto = InstanceType<typeof onnx.ModelProto>;

const KAPPA = 0.044715;
const BETA = Math.sqrt(2 / Math.PI);

/** A spelling of GELU-tanh over x, written into g; returns the result's name. */
type Spelling = (g: GraphBuilder, x: string, c: (v: number) => string) => string;
const one = (outputs: string[]) => outputs[0] ?? '';

const spellings: Record<string, Spelling> = {
  // models/generate/nn.ts
  'the generators’ form': (g, x, c) => {
    const cube = one(g.node('Mul', [one(g.node('Mul', [x, x])), x]));
    const inner = one(g.node('Add', [x, one(g.node('Mul', [cube, c(KAPPA)]))]));
    const t = one(g.node('Tanh', [one(g.node('Mul', [inner, c(BETA)]))]));
    return one(g.node('Mul', [one(g.node('Mul', [x, c(0.5)])), one(g.node('Add', [t, c(1)]))]));
  },
  // torch.onnx's symbolic for gelu(approximate='tanh'): constants first, x·(1 + tanh) then · 0.5
  'PyTorch’s symbolic': (g, x, c) => {
    const cube = one(g.node('Mul', [x, one(g.node('Mul', [x, x]))]));
    const inner = one(
      g.node('Mul', [c(BETA), one(g.node('Add', [x, one(g.node('Mul', [c(KAPPA), cube]))]))]),
    );
    const plusOne = one(g.node('Add', [c(1), one(g.node('Tanh', [inner]))]));
    return one(g.node('Mul', [c(0.5), one(g.node('Mul', [x, plusOne]))]));
  },
  'the Pow form': (g, x, c) => {
    const cube = one(g.node('Pow', [x, c(3)]));
    const inner = one(g.node('Add', [x, one(g.node('Mul', [cube, c(KAPPA)]))]));
    const t = one(g.node('Tanh', [one(g.node('Mul', [inner, c(BETA)]))]));
    return one(g.node('Mul', [one(g.node('Mul', [x, one(g.node('Add', [t, c(1)]))])), c(0.5)]));
  },
};

/** x → Relu → GELU → y, with the GELU's constants as initializers or as Constant nodes. */
function graphOf(spelling: Spelling, constants: 'initializers' | 'nodes' = 'initializers', extra?: Spelling) {
  const g = new GraphBuilder({ name: 'gelu', opset: 17 });
  const x = one(g.node('Relu', [g.input('x', 'float32', ['n', 8])]));
  const pending: Array<{ name: string; value: number }> = [];
  const c =
    constants === 'initializers'
      ? (v: number) => g.f32(v)
      : (v: number) => {
          const name = g.fresh('constant');
          pending.push({ name, value: v });
          return name;
        };
  g.node('Identity', [(extra ?? spelling)(g, x, c)], { outputs: ['y'] });
  g.output('y', 'float32', ['n', 8]);
  const model = onnx.ModelProto.decode(g.toBytes());
  for (const { name, value } of pending) {
    const tensor = new onnx.TensorProto({
      dataType: onnx.TensorProto.DataType.FLOAT,
      dims: [],
      floatData: [value],
    });
    model.graph?.node?.unshift(
      new onnx.NodeProto({
        opType: 'Constant',
        output: [name],
        attribute: [
          new onnx.AttributeProto({
            name: 'value',
            type: onnx.AttributeProto.AttributeType.TENSOR,
            t: tensor,
          }),
        ],
      }),
    );
  }
  return model;
}

const ops = (model: ModelProto) =>
  (model.graph?.node ?? []).map((n) => n.opType).filter((op) => op !== 'Constant');

async function run(model: ModelProto, x: Float32Array): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(onnx.ModelProto.encode(model).finish(), {
    executionProviders: ['cpu'],
    logSeverityLevel: 3,
  });
  try {
    const { y } = await session.run({ x: new ort.Tensor('float32', x, [x.length / 8, 8]) });
    return y?.data as Float32Array;
  } finally {
    await session.release();
  }
}

const input = Float32Array.from({ length: 8 * 64 }, (_, i) => Math.sin(i * 0.37) * 6);

describe('fuseTanhGelu', () => {
  for (const [name, spelling] of Object.entries(spellings)) {
    for (const constants of ['initializers', 'nodes'] as const) {
      it(`fuses ${name} (constants as ${constants}) into one FastGelu with the same values`, async () => {
        const plain = graphOf(spelling, constants);
        const fused = graphOf(spelling, constants);
        expect(fuseTanhGelu(fused)).toBe(1);
        expect(ops(fused)).toEqual(['Relu', 'FastGelu', 'Identity']);
        const [want, got] = await Promise.all([run(plain, input), run(fused, input)]);
        const worst = want.reduce((m, v, i) => Math.max(m, Math.abs(v - (got[i] ?? NaN))), 0);
        expect(worst).toBeLessThan(1e-5);
      });
    }
  }

  it('leaves a chain with another constant alone', () => {
    const model = graphOf(spellings['the generators’ form'] as Spelling, 'initializers', (g, x, c) => {
      const cube = one(g.node('Mul', [one(g.node('Mul', [x, x])), x]));
      const inner = one(g.node('Add', [x, one(g.node('Mul', [cube, c(0.05)]))]));
      const t = one(g.node('Tanh', [one(g.node('Mul', [inner, c(BETA)]))]));
      return one(g.node('Mul', [one(g.node('Mul', [x, c(0.5)])), one(g.node('Add', [t, c(1)]))]));
    });
    expect(fuseTanhGelu(model)).toBe(0);
    expect(ops(model)).toContain('Tanh');
  });

  it('leaves a chain alone when one of its values is read elsewhere', () => {
    const model = graphOf(spellings['the generators’ form'] as Spelling, 'initializers', (g, x, c) => {
      const cube = one(g.node('Mul', [one(g.node('Mul', [x, x])), x]));
      const inner = one(g.node('Add', [x, one(g.node('Mul', [cube, c(KAPPA)]))]));
      const t = one(g.node('Tanh', [one(g.node('Mul', [inner, c(BETA)]))]));
      const gelu = one(g.node('Mul', [one(g.node('Mul', [x, c(0.5)])), one(g.node('Add', [t, c(1)]))]));
      return one(g.node('Add', [gelu, t])); // the Tanh's output is needed beside the GELU
    });
    expect(fuseTanhGelu(model)).toBe(0);
  });

  it('leaves a cube of another value alone', () => {
    const model = graphOf(spellings['the generators’ form'] as Spelling, 'initializers', (g, x, c) => {
      const other = one(g.node('Neg', [x]));
      const cube = one(g.node('Mul', [one(g.node('Mul', [other, other])), other]));
      const inner = one(g.node('Add', [x, one(g.node('Mul', [cube, c(KAPPA)]))]));
      const t = one(g.node('Tanh', [one(g.node('Mul', [inner, c(BETA)]))]));
      return one(g.node('Mul', [one(g.node('Mul', [x, c(0.5)])), one(g.node('Add', [t, c(1)]))]));
    });
    expect(fuseTanhGelu(model)).toBe(0);
  });
});

describe('the vision encoder at load (generated SmolVLM)', () => {
  let dir: string;
  let fused: Vlm;
  let plain: Vlm;

  beforeAll(async () => {
    dir = await testModelDir({ family: 'smolvlm', size: 'tiny', dtype: 'fp32', seed: 11 });
    fused = await Vlm.load(dir, { device: 'cpu' });
    plain = await Vlm.load(dir, { device: 'cpu', fuseGelu: false });
  });

  afterAll(async () => {
    await fused?.dispose();
    await plain?.dispose();
  });

  it('fuses one GELU per encoder layer', () => {
    const model = onnx.ModelProto.decode(readFileSync(join(dir, 'onnx', 'vision_encoder.onnx')));
    const layers = (model.graph?.node ?? []).filter((n) => n.opType === 'Tanh').length;
    expect(layers).toBeGreaterThan(0);
    expect(fuseTanhGelu(model)).toBe(layers);
    expect(ops(model)).not.toContain('Tanh');
    expect(fused.parts.vision.fusedGelus).toBe(layers);
    expect(plain.parts.vision.fusedGelus).toBeUndefined();
  });

  it('gives the same greedy answer as the graph as exported', async () => {
    const photo = await noiseImage(300, 200, 3);
    const request = {
      messages: [
        {
          role: 'user' as const,
          content: [
            { type: 'image' as const, data: photo },
            { type: 'text' as const, text: 'Describe it.' },
          ],
        },
      ],
      sampling: { maxTokens: 12, temperature: 0, ignoreEos: true },
    };
    const [a, b] = [await fused.generate(request, () => {}), await plain.generate(request, () => {})];
    expect(a.tokenIds).toHaveLength(12);
    expect(a.tokenIds).toEqual(b.tokenIds);
  });
});
