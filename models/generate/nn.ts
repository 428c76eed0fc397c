/**
 * Neural-network pieces shared by the family generators: seeded weights, linear layers (fp32 MatMul, q4
 * MatMulNBits or q8 dynamic int8 MatMulInteger), norms and activations, all from standard ONNX ops.
 */
import { type GraphBuilder, float, int, ints } from '../runtime/graph-builder.ts';
import { addDynamicInt8MatMul, addMatMulNBits, quantizeInt8, quantizeQ4 } from './quantize.ts';
import { Rng, deriveSeed } from './random.ts';

export type WeightDType = 'fp32' | 'q4' | 'q8';

export interface LinearOptions {
  bias?: boolean;
  /** Weight standard deviation; default 1/sqrt(in) keeps the output variance near the input's. */
  std?: number;
  /** Edits the fp32 [in, out] weight before it is stored or quantised. */
  adjust?: (weight: Float32Array) => void;
}

export class Layers {
  constructor(
    readonly g: GraphBuilder,
    /** Model seed; each tensor draws from its own stream derived from this and its name. */
    readonly seed: number,
    /** q4 turns every linear layer into MatMulNBits, q8 into dynamic int8 MatMulInteger. */
    readonly dtype: WeightDType,
  ) {}

  /** normal(mean, std) values, the same for the same (seed, name) whatever else the model holds. */
  random(name: string, count: number, std: number, mean = 0): Float32Array {
    return new Rng(deriveSeed(this.seed, name)).fillNormal(new Float32Array(count), std, mean);
  }

  /** A float32 initializer of normal(mean, std) values. */
  normal(name: string, dims: readonly number[], std: number, mean = 0): string {
    const count = dims.reduce((a, b) => a * b, 1);
    return this.g.initializer(name, 'float32', dims, this.random(name, count, std, mean));
  }

  /** x·W (+ b) for x [..., inF]; W is stored as ONNX MatMul's [inF, outF]. */
  linear(x: string, name: string, inF: number, outF: number, options: LinearOptions = {}): string {
    const std = options.std ?? 1 / Math.sqrt(inF);
    const weightName = `${name}.weight`;
    const w = this.random(weightName, inF * outF, std);
    options.adjust?.(w);
    const y =
      this.dtype === 'q4'
        ? addMatMulNBits(this.g, x, name, quantizeQ4(w, inF, outF))
        : this.dtype === 'q8'
          ? addDynamicInt8MatMul(this.g, x, name, quantizeInt8(w, inF, outF))
          : this.g.op('MatMul', [x, this.g.initializer(weightName, 'float32', [inF, outF], w)]);
    if (!options.bias) return y;
    return this.g.op('Add', [y, this.normal(`${name}.bias`, [outF], 0.02)]);
  }

  /** LayerNorm over the last axis, with weights near 1 and biases near 0. */
  layerNorm(x: string, name: string, dim: number, eps: number): string {
    const scale = this.normal(`${name}.weight`, [dim], 0.1, 1);
    const bias = this.normal(`${name}.bias`, [dim], 0.02);
    return this.g.op('LayerNormalization', [x, scale, bias], { axis: int(-1), epsilon: float(eps) });
  }

  /** Llama RMSNorm: w · x / sqrt(mean(x²) + eps), spelled as exports write it (rmsNormalized). */
  rmsNorm(x: string, name: string, dim: number, eps: number): string {
    return this.g.op('Mul', [this.normal(`${name}.weight`, [dim], 0.1, 1), this.rmsNormalized(x, eps)]);
  }

  /**
   * x / sqrt(mean(x²) + eps) as torch.onnx writes transformers' `x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True)
   * + eps)`: Pow, ReduceMean, Add, Sqrt, Div(1, ·), Mul. onnxruntime fuses this spelling (with the weight's Mul)
   * into one SimplifiedLayerNormalization, as it does for the real exports; Mul(x, x) and Reciprocal, which the
   * generators wrote before, it leaves as six nodes.
   */
  rmsNormalized(x: string, eps: number): string {
    const g = this.g;
    const meanSquare = g.op('ReduceMean', [g.op('Pow', [x, g.f32(2)])], {
      axes: ints([-1]),
      keepdims: int(1),
    });
    const inv = g.op('Div', [g.f32(1), g.op('Sqrt', [g.op('Add', [meanSquare, g.f32(eps)])])]);
    return g.op('Mul', [x, inv]);
  }

  /** GELU, tanh approximation (SigLIP's gelu_pytorch_tanh); the Gelu op only arrives in opset 20. */
  geluTanh(x: string): string {
    const g = this.g;
    const cube = g.op('Mul', [g.op('Mul', [x, x]), x]);
    const inner = g.op('Add', [x, g.op('Mul', [cube, g.f32(0.044715)])]);
    const t = g.op('Tanh', [g.op('Mul', [inner, g.f32(Math.sqrt(2 / Math.PI))])]);
    return g.op('Mul', [g.op('Mul', [x, g.f32(0.5)]), g.op('Add', [t, g.f32(1)])]);
  }

  /** GELU, exact (erf) form: PyTorch's default `gelu`, LLaVA's projector activation. */
  gelu(x: string): string {
    const g = this.g;
    const erf = g.op('Erf', [g.op('Mul', [x, g.f32(Math.SQRT1_2)])]);
    return g.op('Mul', [g.op('Mul', [x, g.f32(0.5)]), g.op('Add', [erf, g.f32(1)])]);
  }

  /** CLIP's `quick_gelu`: x · sigmoid(1.702 x). */
  quickGelu(x: string): string {
    const g = this.g;
    return g.op('Mul', [x, g.op('Sigmoid', [g.op('Mul', [x, g.f32(1.702)])])]);
  }

  silu(x: string): string {
    return this.g.op('Mul', [x, this.g.op('Sigmoid', [x])]);
  }
}
