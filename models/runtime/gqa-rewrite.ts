/**
 * The GQA form's cache without a whole-cache copy out of onnxruntime each step. A decoder in the form current
 * onnx-community exports ship (com.microsoft.GroupQueryAttention per layer, past and present BNSH) returns the
 * whole cache as `present.*`, and onnxruntime-node copies every output into a fresh JavaScript buffer: at 4,000
 * cached positions of the Gemma-3-shaped bench model that is 98 MB of new pages per token. A past/present buffer
 * shared with the kernel would be written in place, but the binding copies it out all the same
 * (models/runtime/gqa-shared-buffer.test.ts).
 *
 * The kernel reads only the first `seqlens_k + 1 − new` rows of each head of its past, whatever the past's
 * length (it takes the past as right-padded), so the past can be a buffer with room to spare. This rewrite keeps
 * each GroupQueryAttention as it is and returns, as `present.<i>.key|value`, only the new rows
 * `[batch, kvHeads, new, headDim]` (a Slice of the kernel's present at total − new … total). Tessera keeps one
 * buffer per cache input with spare rows per head (GqaCache), feeds all of it, and writes the new rows into it.
 *
 * Recognised: every `past_key_values.<i>.key|value` input read by GroupQueryAttention alone (as its past key and
 * value), whose present outputs are the graph's `present.<i>.key|value`; otherwise the graph is left as it is
 * and the reason returned.
 */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
type ModelProto = InstanceType<typeof onnx.ModelProto>;
type GraphProto = InstanceType<typeof onnx.GraphProto>;
type NodeProto = InstanceType<typeof onnx.NodeProto>;

const PAST = /^past_key_values\.(\d+)\.(key|value)$/;
const PREFIX = 'tessera_gqa';

/** Rewrites `model` in place and returns how many attention nodes it changed, or why it changed nothing. */
export function gqaNewRowsRewrite(model: ModelProto): { layers: number } | { reason: string } {
  const graph = model.graph as GraphProto | null;
  if (!graph) return { reason: 'the model has no graph' };
  const inputs = new Set(graph.input.map((i) => i.name ?? ''));
  for (const name of ['inputs_embeds', 'attention_mask']) {
    if (!inputs.has(name)) return { reason: `no ${name} input to count the new positions from` };
  }
  const pasts = [...inputs].filter((name) => PAST.test(name));
  if (pasts.length === 0) return { reason: 'no past_key_values.<i>.key/value inputs' };
  const nodes = graph.node as NodeProto[];
  const attention = nodes.filter((n) => n.opType === 'GroupQueryAttention' && n.domain === 'com.microsoft');
  const outputs = new Set(graph.output.map((o) => o.name ?? ''));
  const readers = new Map<string, number>();
  for (const node of nodes) for (const input of node.input) readers.set(input, (readers.get(input) ?? 0) + 1);
  const covered = new Set<string>();
  for (const node of attention) {
    const [pastKey = '', pastValue = ''] = node.input.slice(3, 5);
    const [, presentKey = '', presentValue = ''] = node.output;
    if (!PAST.test(pastKey) || !PAST.test(pastValue)) continue;
    if (presentKey !== pastKey.replace('past_key_values.', 'present.'))
      return { reason: `${pastKey} → ${presentKey}` };
    if (presentValue !== pastValue.replace('past_key_values.', 'present.'))
      return { reason: `${pastValue} → ${presentValue}` };
    if (!outputs.has(presentKey) || !outputs.has(presentValue))
      return { reason: `${presentKey} is not a graph output` };
    covered.add(pastKey).add(pastValue);
  }
  for (const past of pasts) {
    if (!covered.has(past)) return { reason: `${past} is not the past of a GroupQueryAttention` };
    if (readers.get(past) !== 1) return { reason: `${past} is read by more than its GroupQueryAttention` };
  }

  const i64 = (name: string, values: bigint[]) => {
    graph.initializer.push(
      new onnx.TensorProto({
        name: `${PREFIX}.${name}`,
        dataType: onnx.TensorProto.DataType.INT64,
        dims: [values.length],
        rawData: new Uint8Array(BigInt64Array.from(values).buffer),
      }),
    );
    return `${PREFIX}.${name}`;
  };
  const node = (opType: string, input: string[], output: string, attribute: unknown[] = []) =>
    new onnx.NodeProto({ opType, input, output: [output], name: output, attribute: attribute as never });
  const axis0 = new onnx.AttributeProto({ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 0 });
  const one = i64('one', [1n]);
  // total (attention_mask's length) and total − new (inputs_embeds' length), as 1-D int64.
  const lengths = [
    node('Shape', ['attention_mask'], `${PREFIX}.mask_shape`),
    node('Gather', [`${PREFIX}.mask_shape`, one], `${PREFIX}.total`, [axis0]),
    node('Shape', ['inputs_embeds'], `${PREFIX}.embeds_shape`),
    node('Gather', [`${PREFIX}.embeds_shape`, one], `${PREFIX}.new`, [axis0]),
    node('Sub', [`${PREFIX}.total`, `${PREFIX}.new`], `${PREFIX}.start`),
  ];
  const sequenceAxis = i64('axis', [2n]);
  const slices: NodeProto[] = [];
  for (const gqa of attention) {
    for (const slot of [1, 2]) {
      const present = gqa.output[slot] ?? '';
      if (!outputs.has(present)) continue;
      const whole = `${PREFIX}.${present}`;
      gqa.output[slot] = whole;
      slices.push(node('Slice', [whole, `${PREFIX}.start`, `${PREFIX}.total`, sequenceAxis], present));
    }
  }
  graph.node = [...lengths, ...nodes, ...slices];
  for (const output of graph.output) {
    const dims =
      outputs.has(output.name ?? '') &&
      output.name?.startsWith('present.') &&
      output.type?.tensorType?.shape?.dim;
    if (dims && dims[2]) dims[2] = new onnx.TensorShapeProto.Dimension({ dimParam: 'sequence_length' });
  }
  return { layers: attention.length };
}
