/**
 * 4-bit block quantisation in the layout of onnxruntime's `com.microsoft.MatMulNBits` (what
 * transformers.js's `q4` files use): for y = x·W with W of shape [K, N],
 *   B           uint8 [N, blocks, blockSize/2]  column n's K values, two per byte, low nibble first
 *   scales      float [N * blocks]
 *   zero_points uint8 [N * ceil(blocks/2)]      optional, two per byte, low nibble first; default 8
 * and W[k, n] = (q - zero) * scale for the block holding k. K is padded with zeros to whole blocks.
 */
import { type GraphBuilder, MS_DOMAIN, int } from '../runtime/graph-builder.ts';

export interface Q4Weight {
  k: number;
  n: number;
  blockSize: number;
  /** Blocks per column: ceil(k / blockSize). */
  blocks: number;
  b: Uint8Array;
  scales: Float32Array;
  /** Packed zero points, or null for the symmetric default of 8. */
  zeroPoints: Uint8Array | null;
}

export interface QuantizeOptions {
  /** Default 32. Must be a power of two ≥ 16 (MatMulNBits' rule). */
  blockSize?: number;
  /** Symmetric (no zero points, implicit 8) or asymmetric with explicit zero points. Default true. */
  symmetric?: boolean;
}

/** Quantises `weight`, laid out [K, N] row-major as the B operand of ONNX MatMul. */
export function quantizeQ4(
  weight: Float32Array,
  k: number,
  n: number,
  options: QuantizeOptions = {},
): Q4Weight {
  const blockSize = options.blockSize ?? 32;
  const symmetric = options.symmetric ?? true;
  if (blockSize < 16 || (blockSize & (blockSize - 1)) !== 0) {
    throw new Error(`quantizeQ4: block size ${blockSize} is not a power of two ≥ 16`);
  }
  if (weight.length !== k * n) throw new Error(`quantizeQ4: ${weight.length} values for [${k}, ${n}]`);
  const blocks = Math.ceil(k / blockSize);
  const half = blockSize / 2;
  const b = new Uint8Array(n * blocks * half);
  const scales = new Float32Array(n * blocks);
  const zeroPoints = symmetric ? null : new Uint8Array(n * Math.ceil(blocks / 2));
  const q = new Uint8Array(blockSize);

  for (let col = 0; col < n; col++) {
    for (let blk = 0; blk < blocks; blk++) {
      const k0 = blk * blockSize;
      const k1 = Math.min(k, k0 + blockSize);
      let lo = 0;
      let hi = 0;
      for (let r = k0; r < k1; r++) {
        const w = weight[r * n + col] as number;
        if (w < lo) lo = w;
        if (w > hi) hi = w;
      }
      let scale: number;
      let zero: number;
      if (symmetric) {
        // Map the value of largest magnitude onto -8, the wider side of [-8, 7]; the scale takes its sign.
        const extreme = -lo >= hi ? lo : hi;
        scale = extreme === 0 ? 1 : extreme / -8;
        zero = 8;
      } else {
        // lo ≤ 0 ≤ hi, so zero is always representable exactly.
        scale = hi - lo === 0 ? 1 : (hi - lo) / 15;
        zero = Math.min(15, Math.max(0, Math.round(-lo / scale)));
      }
      scale = Math.fround(scale);
      q.fill(zero);
      for (let r = k0; r < k1; r++) {
        const v = Math.round((weight[r * n + col] as number) / scale) + zero;
        q[r - k0] = Math.min(15, Math.max(0, v));
      }
      const base = (col * blocks + blk) * half;
      for (let j = 0; j < half; j++) b[base + j] = (q[2 * j] as number) | ((q[2 * j + 1] as number) << 4);
      scales[col * blocks + blk] = scale;
      if (zeroPoints) {
        const index = col * Math.ceil(blocks / 2) + (blk >> 1);
        zeroPoints[index] = (zeroPoints[index] as number) | (zero << ((blk & 1) * 4));
      }
    }
  }
  return { k, n, blockSize, blocks, b, scales, zeroPoints };
}

/** The fp32 [K, N] weight a Q4Weight stands for. */
export function dequantizeQ4(w: Q4Weight): Float32Array {
  const out = new Float32Array(w.k * w.n);
  const half = w.blockSize / 2;
  const zpStride = Math.ceil(w.blocks / 2);
  for (let col = 0; col < w.n; col++) {
    for (let blk = 0; blk < w.blocks; blk++) {
      const scale = w.scales[col * w.blocks + blk] as number;
      const zero = w.zeroPoints
        ? ((w.zeroPoints[col * zpStride + (blk >> 1)] as number) >> ((blk & 1) * 4)) & 15
        : 8;
      const base = (col * w.blocks + blk) * half;
      for (let i = 0; i < w.blockSize; i++) {
        const r = blk * w.blockSize + i;
        if (r >= w.k) break;
        const byte = w.b[base + (i >> 1)] as number;
        const q = i & 1 ? byte >> 4 : byte & 15;
        out[r * w.n + col] = Math.fround((q - zero) * scale);
      }
    }
  }
  return out;
}

/** Adds the initializers and the MatMulNBits node computing x·W; returns the output name. */
export function addMatMulNBits(g: GraphBuilder, x: string, name: string, w: Q4Weight): string {
  const inputs = [
    x,
    g.initializer(`${name}.qweight`, 'uint8', [w.n, w.blocks, w.blockSize / 2], w.b),
    g.initializer(`${name}.scales`, 'float32', [w.n * w.blocks], w.scales),
  ];
  if (w.zeroPoints) {
    inputs.push(g.initializer(`${name}.qzeros`, 'uint8', [w.zeroPoints.length], w.zeroPoints));
  }
  const [out] = g.node('MatMulNBits', inputs, {
    domain: MS_DOMAIN,
    attrs: { K: int(w.k), N: int(w.n), bits: int(4), block_size: int(w.blockSize) },
  });
  return out as string;
}

/**
 * Per-tensor symmetric int8 weights, as onnxruntime's `quantize_dynamic` writes them for MatMul (weight type
 * QInt8, zero point 0): W ≈ q · scale with scale = max|W| / 127.
 */
export interface Int8Weight {
  q: Int8Array;
  scale: number;
  k: number;
  n: number;
}

export function quantizeInt8(weight: Float32Array, k: number, n: number): Int8Weight {
  let max = 0;
  for (const w of weight) max = Math.max(max, Math.abs(w));
  const scale = Math.fround(max === 0 ? 1 : max / 127);
  const q = Int8Array.from(weight, (w) => Math.max(-127, Math.min(127, Math.round(w / scale))));
  return { q, scale, k, n };
}

/**
 * x·W in the dynamic-quantisation layout of transformers.js's `_quantized` (q8) files:
 * DynamicQuantizeLinear(x) → (x_q uint8, x_scale, x_zero), MatMulInteger(x_q, W_q, x_zero, W_zero) → int32,
 * Cast to float, times x_scale · W_scale. onnxruntime fuses the chain into DynamicQuantizeMatMul at load.
 */
export function addDynamicInt8MatMul(g: GraphBuilder, x: string, name: string, w: Int8Weight): string {
  const [xq, xScale, xZero] = g.node('DynamicQuantizeLinear', [x], { outputs: 3 }) as [
    string,
    string,
    string,
  ];
  const weight = g.initializer(`${name}.weight_quantized`, 'int8', [w.k, w.n], w.q);
  const weightZero = g.initializer(`${name}.weight_zero_point`, 'int8', [], Int8Array.of(0));
  const product = g.op('MatMulInteger', [xq, weight, xZero, weightZero]);
  const asFloat = g.op('Cast', [product], { to: int(1) });
  const scale = g.op('Mul', [
    xScale,
    g.initializer(`${name}.weight_scale`, 'float32', [], Float32Array.of(w.scale)),
  ]);
  return g.op('Mul', [asFloat, scale]);
}
