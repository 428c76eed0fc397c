import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../runtime/graph-builder.ts';
import { addMatMulNBits, dequantizeQ4, quantizeQ4 } from './quantize.ts';
import { Rng } from './random.ts';

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

async function runGraph(build: (g: GraphBuilder, x: string) => string, x: Float32Array, dims: number[]) {
  const g = new GraphBuilder({ name: 'q' });
  const input = g.input('x', 'float32', ['rows', dims[1] as number]);
  g.op('Identity', [build(g, input)], undefined, 'y');
  g.output('y', 'float32', ['rows', 'n']);
  const session = await ort.InferenceSession.create(g.toBytes());
  const out = await session.run({ x: new ort.Tensor('float32', x, dims) });
  return out['y']?.data as Float32Array;
}

describe('quantizeQ4', () => {
  it('packs two values per byte, low nibble first, column-major by block', () => {
    // K = 32 (one block), N = 2; column 0 counts up 0..31 (scaled), column 1 is all zero.
    const k = 32;
    const w = new Float32Array(k * 2);
    for (let r = 0; r < k; r++) w[r * 2] = r - 16;
    const q = quantizeQ4(w, k, 2, { symmetric: false });
    expect(q.blocks).toBe(1);
    expect(q.b.length).toBe(2 * 1 * 16);
    // Asymmetric: lo = -16, hi = 15 ⇒ scale 31/15, zero round(16 / (31/15)) = 8.
    expect(q.scales[0]).toBeCloseTo(31 / 15, 6);
    expect((q.zeroPoints?.[0] ?? -1) & 15).toBe(8);
    const q0 = q.b[0] as number;
    expect(q0 & 15).toBe(Math.round(-16 / (31 / 15)) + 8); // element 0 in the low nibble
    expect(q0 >> 4).toBe(Math.round(-15 / (31 / 15)) + 8); // element 1 in the high nibble
    // Column 1 (all zero) is exactly the zero point everywhere.
    expect(Array.from(dequantizeQ4(q).filter((_, i) => i % 2 === 1))).toEqual(new Array(k).fill(0));
  });

  it('packs zero points two blocks per byte', () => {
    const k = 96; // 3 blocks: zero points for blocks 0,1 in byte 0 and block 2 in byte 1 (per column)
    const w = new Rng(5).fillUniform(new Float32Array(k * 3), -1, 0.2);
    const q = quantizeQ4(w, k, 3, { symmetric: false });
    expect(q.zeroPoints?.length).toBe(3 * 2);
    expect(q.scales.length).toBe(3 * 3);
    expect(dequantizeQ4(q).length).toBe(k * 3);
  });

  it.each([
    { symmetric: true, k: 64 },
    { symmetric: false, k: 64 },
    { symmetric: true, k: 80 }, // K not a multiple of the block: padded
  ])('round-trips within half a step (symmetric=$symmetric, K=$k)', ({ symmetric, k }) => {
    const n = 24;
    const w = new Rng(1).fillNormal(new Float32Array(k * n), 0.1);
    const q = quantizeQ4(w, k, n, { symmetric });
    const back = dequantizeQ4(q);
    for (let col = 0; col < n; col++) {
      for (let r = 0; r < k; r++) {
        const scale = Math.abs(q.scales[col * q.blocks + Math.floor(r / 32)] as number);
        // Symmetric clamps +8 to +7, so its worst case is one full step.
        const bound = (symmetric ? 1 : 0.5) * scale + 1e-7;
        expect(Math.abs((back[r * n + col] as number) - (w[r * n + col] as number))).toBeLessThanOrEqual(
          bound,
        );
      }
    }
  });

  it('rejects bad block sizes and sizes', () => {
    expect(() => quantizeQ4(new Float32Array(4), 2, 2, { blockSize: 24 })).toThrow(/power of two/);
    expect(() => quantizeQ4(new Float32Array(3), 2, 2)).toThrow(/3 values/);
  });
});

describe('MatMulNBits numerics', () => {
  it.each([
    { symmetric: true, k: 96, n: 40 },
    { symmetric: false, k: 96, n: 40 },
    { symmetric: true, k: 80, n: 17 },
  ])(
    'matches MatMul with the dequantised weight (symmetric=$symmetric, K=$k, N=$n)',
    async ({ symmetric, k, n }) => {
      const rng = new Rng(11);
      const w = rng.fillNormal(new Float32Array(k * n), 1 / Math.sqrt(k));
      const rows = 5;
      const x = rng.fillNormal(new Float32Array(rows * k), 1);
      const q = quantizeQ4(w, k, n, { symmetric });
      const deq = dequantizeQ4(q);

      const quantized = await runGraph((g, input) => addMatMulNBits(g, input, 'lin', q), x, [rows, k]);
      const reference = await runGraph(
        (g, input) => g.op('MatMul', [input, g.initializer('w', 'float32', [k, n], deq)]),
        x,
        [rows, k],
      );
      const original = await runGraph(
        (g, input) => g.op('MatMul', [input, g.initializer('w', 'float32', [k, n], w)]),
        x,
        [rows, k],
      );
      expect(quantized.length).toBe(rows * n);
      expect(maxAbsDiff(quantized, reference)).toBeLessThan(1e-4);
      // And the quantisation itself is close to the original weights (outputs have std ≈ 1).
      expect(maxAbsDiff(quantized, original)).toBeLessThan(0.5);
      expect(maxAbsDiff(quantized, original)).toBeGreaterThan(0);
    },
  );
});
