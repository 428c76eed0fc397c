/**
 * A decoder exported for training-style use returns logits for every fed position: a 900-token prefill of a
 * 49,280-token vocabulary multiplies 900 rows by lm_head and hands 177 MB back, where generation reads the last
 * row only. This rewrite slices the lm_head's input to the last position, the way newer exports'
 * `num_logits_to_keep` does. It walks back from `logits` through ops that keep the row layout (Identity,
 * Cast, Tanh, and Mul/Div/Add by a constant: Gemma's soft-capping) to the MatMul, MatMulNBits or Gemm that
 * makes the logits, and leaves a graph where that chain is not found as it is.
 */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
type ModelProto = InstanceType<typeof onnx.ModelProto>;
type NodeProto = InstanceType<typeof onnx.NodeProto>;

const ROW_WISE = new Set(['Identity', 'Cast', 'Tanh', 'Mul', 'Div', 'Add']);
const PROJECTIONS = new Set(['MatMul', 'MatMulNBits', 'Gemm']);
const INT64_MAX = 9223372036854775807n;

/** Slices the logits projection's input to the last position; returns whether the graph changed. */
export function keepLastLogits(model: ModelProto): boolean {
  const graph = model.graph;
  if (!graph || graph.input?.some((i) => i.name === 'num_logits_to_keep')) return false;
  const nodes = (graph.node ?? []) as NodeProto[];
  const producer = new Map<string, NodeProto>();
  const readers = new Map<string, number>();
  const constants = new Set((graph.initializer ?? []).map((t) => t.name ?? ''));
  for (const node of nodes) {
    for (const output of node.output) producer.set(output, node);
    for (const input of node.input) readers.set(input, (readers.get(input) ?? 0) + 1);
    if (node.opType === 'Constant') for (const output of node.output) constants.add(output);
  }
  let node = producer.get('logits');
  for (let depth = 0; node && depth < 8; depth++) {
    if (PROJECTIONS.has(node.opType ?? '')) break;
    if (!ROW_WISE.has(node.opType ?? '')) return false;
    // Follow the one non-constant input; a second varying input could depend on the sequence.
    const varying = node.input.filter((i) => !constants.has(i));
    if (varying.length !== 1) return false;
    node = producer.get(varying[0] ?? '');
  }
  if (!node || !PROJECTIONS.has(node.opType ?? '')) return false;
  const input = node.input[0] ?? '';
  if ((readers.get(node.output[0] ?? '') ?? 0) !== 1) return false;
  const name = (suffix: string) => `tessera_last_logits.${suffix}`;
  const i64 = (suffix: string, values: bigint[]) => {
    const data = BigInt64Array.from(values);
    graph.initializer?.push(
      new onnx.TensorProto({
        name: name(suffix),
        dataType: onnx.TensorProto.DataType.INT64,
        dims: [values.length],
        rawData: new Uint8Array(data.buffer),
      }),
    );
    return name(suffix);
  };
  const slice = new onnx.NodeProto({
    opType: 'Slice',
    name: name('slice'),
    input: [input, i64('starts', [-1n]), i64('ends', [INT64_MAX]), i64('axes', [1n])],
    output: [name('last_position')],
  });
  node.input[0] = name('last_position');
  // Before the projection, after whatever makes its input.
  nodes.splice(nodes.indexOf(node), 0, slice);
  for (const output of graph.output ?? []) {
    const dims = output.name === 'logits' ? output.type?.tensorType?.shape?.dim : undefined;
    if (dims?.[1]) dims[1] = { dimValue: 1 };
  }
  return true;
}
