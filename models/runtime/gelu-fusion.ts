/**
 * GELU's tanh approximation, 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), arrives in exports older than opset 20
 * spelled out as eight or nine element-wise nodes (SigLIP's and Gemma's `gelu_pytorch_tanh`), each a pass over
 * the whole activation. onnxruntime 1.30 fuses none of the usual spellings on the CPU (checked: PyTorch's own
 * symbolic, the Pow form and the generators' form all stay unfused), so the vision encoder's MLPs read and write
 * a [1024 × 3072] tensor nine times per layer. The contrib op `FastGelu` computes the same formula in one pass:
 * on this project's 2-core VM 12 ms of CPU against 34–38 ms for the spelled-out form on that tensor (largest
 * difference 7e-7). Only exact matches are replaced: every constant within 1e-4 of its value and every
 * intermediate read by the chain alone.
 */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
type ModelProto = InstanceType<typeof onnx.ModelProto>;
type GraphProto = InstanceType<typeof onnx.GraphProto>;
type NodeProto = InstanceType<typeof onnx.NodeProto>;
type TensorProto = InstanceType<typeof onnx.TensorProto>;

const MS_DOMAIN = 'com.microsoft';
const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const KAPPA = 0.044715;

/** Replaces every spelled-out tanh GELU with one `FastGelu` node; returns how many it replaced. */
export function fuseTanhGelu(model: ModelProto): number {
  const graph = model.graph as GraphProto | null | undefined;
  if (!graph) return 0;
  const chains = new Graph(graph);
  const fused: Array<{ chain: NodeProto[]; input: string; output: string }> = [];
  for (const tanh of graph.node as NodeProto[]) {
    if (tanh.opType !== 'Tanh' || (tanh.domain ?? '') !== '') continue;
    const match = chains.geluAround(tanh);
    if (match) fused.push(match);
  }
  if (fused.length === 0) return 0;
  const removed = new Set(fused.flatMap((f) => f.chain));
  const nodes: NodeProto[] = [];
  for (const node of graph.node as NodeProto[]) {
    const match = fused.find((f) => f.chain[f.chain.length - 1] === node);
    if (match) {
      // The fused node takes the last node's place: its output's readers all come after it.
      nodes.push(
        new onnx.NodeProto({
          opType: 'FastGelu',
          domain: MS_DOMAIN,
          input: [match.input],
          output: [match.output],
          name: `tessera_fast_gelu_${nodes.length}`,
        }),
      );
    } else if (!removed.has(node)) {
      nodes.push(node);
    }
  }
  graph.node = nodes;
  if (!model.opsetImport.some((o) => o.domain === MS_DOMAIN)) {
    model.opsetImport.push(new onnx.OperatorSetIdProto({ domain: MS_DOMAIN, version: 1 }));
  }
  return fused.length;
}

/** Producers, readers and constants of a graph, for matching the chain around one Tanh. */
class Graph {
  private readonly producer = new Map<string, NodeProto>();
  /** Each value's reading nodes, once per input slot (Mul(x, x) reads x twice). */
  private readonly readers = new Map<string, NodeProto[]>();
  private readonly position = new Map<NodeProto, number>();
  private readonly outputs: Set<string>;
  private readonly initializers = new Map<string, TensorProto>();

  constructor(graph: GraphProto) {
    for (const [i, node] of (graph.node as NodeProto[]).entries()) {
      this.position.set(node, i);
      for (const output of node.output) this.producer.set(output, node);
      for (const input of node.input) this.readers.set(input, [...(this.readers.get(input) ?? []), node]);
    }
    this.outputs = new Set(graph.output.map((o) => o.name ?? ''));
    for (const init of graph.initializer as TensorProto[]) this.initializers.set(init.name ?? '', init);
  }

  geluAround(tanh: NodeProto): { chain: NodeProto[]; input: string; output: string } | null {
    const chain: NodeProto[] = [];
    // √(2/π)·inner
    const scaled = this.only(tanh.input[0], 'Mul', chain);
    const inner = scaled && this.otherThanConstant(scaled, SQRT_2_OVER_PI);
    // x + κ·x³
    const sum = inner !== null && scaled ? this.only(inner, 'Add', chain) : null;
    if (!sum) return null;
    for (const [x, term] of [sum.input, [...sum.input].reverse()] as const) {
      const attempt = [...chain];
      if (x === undefined || term === undefined) continue;
      const kappaTerm = this.only(term, 'Mul', attempt);
      const cube = kappaTerm && this.otherThanConstant(kappaTerm, KAPPA);
      if (cube === null || cube === undefined || !this.isCube(cube, x, attempt)) continue;
      const tail = this.tail(tanh, x, attempt);
      if (!tail) continue;
      attempt.unshift(tanh);
      return { chain: this.ordered(attempt), input: x, output: tail };
    }
    return null;
  }

  /** x³ as Mul(Mul(x, x), x) in either order, or Pow(x, 3). */
  private isCube(value: string, x: string, chain: NodeProto[]): boolean {
    const node = this.producer.get(value);
    if (!node || !this.privateValue(value)) return false;
    if (node.opType === 'Pow' && node.input[0] === x && this.constantIs(node.input[1], 3)) {
      chain.push(node);
      return true;
    }
    if (node.opType !== 'Mul' || (node.domain ?? '') !== '') return false;
    const [a, b] = node.input;
    const square = a === x ? b : b === x ? a : undefined;
    const squareNode = square === undefined ? undefined : this.producer.get(square);
    if (!squareNode || squareNode.opType !== 'Mul' || !this.privateValue(square ?? '')) return false;
    if (squareNode.input[0] !== x || squareNode.input[1] !== x) return false;
    chain.push(node, squareNode);
    return true;
  }

  /**
   * After the Tanh: Add(·, 1), then Mul(Mul(x, 0.5), ·) or Mul(Mul(x, ·), 0.5) in any operand order. Returns the
   * GELU's output name.
   */
  private tail(tanh: NodeProto, x: string, chain: NodeProto[]): string | null {
    const plusOne = this.onlyReader(tanh.output[0] ?? '', 'Add');
    if (!plusOne || this.otherThanConstant(plusOne, 1) !== tanh.output[0]) return null;
    const product = this.onlyReader(plusOne.output[0] ?? '', 'Mul');
    if (!product) return null;
    const other = product.input[0] === plusOne.output[0] ? product.input[1] : product.input[0];
    if (other === x) {
      // Mul(x, 1 + tanh) then · 0.5
      const half = this.onlyReader(product.output[0] ?? '', 'Mul');
      if (!half || this.otherThanConstant(half, 0.5) !== product.output[0]) return null;
      chain.push(plusOne, product, half);
      return half.output[0] ?? null;
    }
    const halfX = other === undefined ? undefined : this.producer.get(other);
    if (!halfX || halfX.opType !== 'Mul' || !this.privateValue(other ?? '')) return null;
    if (this.otherThanConstant(halfX, 0.5) !== x) return null;
    chain.push(plusOne, halfX, product);
    return product.output[0] ?? null;
  }

  /** The node of `opType` producing `value`, if only the chain reads it; added to `chain`. */
  private only(value: string | undefined, opType: string, chain: NodeProto[]): NodeProto | null {
    const node = value === undefined ? undefined : this.producer.get(value);
    if (!node || node.opType !== opType || (node.domain ?? '') !== '' || !this.privateValue(value ?? '')) {
      return null;
    }
    chain.push(node);
    return node;
  }

  /** The one node reading `value`, if it is of `opType` and `value` is not a graph output. */
  private onlyReader(value: string, opType: string): NodeProto | null {
    const node = this.privateValue(value) ? this.readers.get(value)?.[0] : undefined;
    return node && node.opType === opType && (node.domain ?? '') === '' ? node : null;
  }

  private privateValue(value: string): boolean {
    return this.readers.get(value)?.length === 1 && !this.outputs.has(value);
  }

  /** A two-input node's operand that is not the scalar constant `expected`; null unless the other one is. */
  private otherThanConstant(node: NodeProto, expected: number): string | null {
    const [a, b] = node.input;
    if (node.input.length !== 2 || a === undefined || b === undefined) return null;
    if (this.constantIs(b, expected)) return a;
    if (this.constantIs(a, expected)) return b;
    return null;
  }

  private constantIs(name: string | undefined, expected: number): boolean {
    if (name === undefined) return false;
    const tensor = this.initializers.get(name) ?? constantValue(this.producer.get(name));
    const value = tensor ? scalarOf(tensor) : null;
    return value !== null && Math.abs(value - expected) <= 1e-4 * Math.max(1, Math.abs(expected));
  }

  /** The chain's nodes in graph order (the last one is where the fused node goes). */
  private ordered(chain: NodeProto[]): NodeProto[] {
    const at = (node: NodeProto) => this.position.get(node) ?? 0;
    return [...new Set(chain)].sort((a, b) => at(a) - at(b));
  }
}

function constantValue(node: NodeProto | undefined): TensorProto | undefined {
  if (!node || node.opType !== 'Constant') return undefined;
  return (node.attribute ?? []).find((a) => a.name === 'value')?.t as TensorProto | undefined;
}

/** A one-element float or double tensor's value. */
function scalarOf(tensor: TensorProto): number | null {
  const count = (tensor.dims ?? []).reduce((n, d) => n * Number(d), 1);
  if (count !== 1) return null;
  const { FLOAT, DOUBLE } = onnx.TensorProto.DataType;
  if (tensor.dataType === FLOAT) {
    if (tensor.floatData?.length) return tensor.floatData[0] ?? null;
    const raw = tensor.rawData;
    return raw && raw.length >= 4 ? new DataView(raw.buffer, raw.byteOffset, 4).getFloat32(0, true) : null;
  }
  if (tensor.dataType === DOUBLE) {
    if (tensor.doubleData?.length) return tensor.doubleData[0] ?? null;
    const raw = tensor.rawData;
    return raw && raw.length >= 8 ? new DataView(raw.buffer, raw.byteOffset, 8).getFloat64(0, true) : null;
  }
  return null;
}
