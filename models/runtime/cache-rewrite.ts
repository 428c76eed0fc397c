/**
 * Rewrites a decoder's attention so its KV cache is never copied as a whole. onnxruntime-node copies every
 * output into a fresh JavaScript buffer, so a decoder that returns `present.*` (past + new keys) moves the
 * whole cache out of onnxruntime on every token, after a Concat and a Transpose have copied it inside. Inputs
 * are not copied. So the rewritten graph:
 *
 * - takes each `past_key_values.<i>.key|value` as rows `[1 + past, kvHeads, headDim]` (sequence-major, so the
 *   first rows of a buffer that grows at its end are a valid input; row 0 is a zero row, see below),
 * - returns as `present.<i>.key|value` only the new rows `[new, kvHeads, headDim]`, which the runtime appends
 *   to its buffers (AppendCache),
 * - computes attention in two parts: scores and weighted values over the past rows straight from the fed
 *   buffer (FusedMatMul with transBatchB reads the sequence-major rows as heads × rows without a copy), and over
 *   the new rows as before; the score rows are joined before the unchanged scale, bias and softmax.
 *
 * Row 0 of every past input is a zero row that the graph slices away: onnxruntime's FusedMatMul crashes the
 * process (SIGFPE) on an empty operand, and the first prefill has no past.
 *
 * The pattern recognised is the attention the generated decoders use (the onnx-community layout's cache names
 * and shapes; keys `Concat(past, k) → Transpose(0,1,3,2) → Unsqueeze(2) → MatMul(q, ·)`, values
 * `Concat(past, v) → Unsqueeze(2) → MatMul(probs, ·)`). Every layer must match; otherwise the graph is left
 * as it is and the reason is returned, so the runtime falls back to copying the cache.
 */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
type ModelProto = InstanceType<typeof onnx.ModelProto>;
type GraphProto = InstanceType<typeof onnx.GraphProto>;
type NodeProto = InstanceType<typeof onnx.NodeProto>;
type TensorProto = InstanceType<typeof onnx.TensorProto>;

const PAST = /^past_key_values\.(\d+)\.(key|value)$/;
const MS_DOMAIN = 'com.microsoft';
const INT64_MAX = 9223372036854775807n;

class NoMatch extends Error {}

function fail(reason: string): never {
  throw new NoMatch(reason);
}

export function decodeModel(bytes: Uint8Array): ModelProto {
  return onnx.ModelProto.decode(bytes);
}

export function encodeModel(model: ModelProto): Uint8Array {
  return onnx.ModelProto.encode(model).finish();
}

/**
 * Rewrites `model` in place and returns how many layers it rewrote; on no match the model is left untouched
 * and the reason returned.
 */
export function appendCacheRewrite(model: ModelProto): { layers: number } | { reason: string } {
  // Edits are made on a copy of the structure (weights shared), so a pattern that fails half-way leaves the
  // model as it was.
  const copy = new onnx.ModelProto({
    ...model,
    graph: model.graph ? cloneStructure(model.graph as GraphProto) : null,
    opsetImport: [...model.opsetImport],
  });
  try {
    const layers = rewriteGraph(copy);
    model.graph = copy.graph;
    model.opsetImport = copy.opsetImport;
    return { layers };
  } catch (error) {
    if (error instanceof NoMatch) return { reason: error.message };
    throw error;
  }
}

function cloneStructure(graph: GraphProto): GraphProto {
  const cloneNode = (n: NodeProto) => onnx.NodeProto.decode(onnx.NodeProto.encode(n).finish());
  const cloneInfo = (v: InstanceType<typeof onnx.ValueInfoProto>) =>
    onnx.ValueInfoProto.decode(onnx.ValueInfoProto.encode(v).finish());
  return new onnx.GraphProto({
    ...graph,
    node: (graph.node as NodeProto[]).map(cloneNode),
    input: graph.input.map((v) => cloneInfo(v as InstanceType<typeof onnx.ValueInfoProto>)),
    output: graph.output.map((v) => cloneInfo(v as InstanceType<typeof onnx.ValueInfoProto>)),
    initializer: [...graph.initializer],
    valueInfo: [...graph.valueInfo],
  });
}

interface Layer {
  index: number;
  key: string;
  value: string;
}

function rewriteGraph(model: ModelProto): number {
  // Decoded messages are class instances all the way down; the generated types only promise the interfaces.
  const graph = (model.graph ?? fail('the model has no graph')) as GraphProto;
  const opset = Number(model.opsetImport.find((o) => (o.domain ?? '') === '')?.version ?? 0);
  if (opset < 14) fail(`opset ${opset} is older than 14 (Reshape's allowzero)`);
  const layers = pastInputs(graph);
  if (layers.length === 0) fail('no past_key_values.<i>.key/value inputs');
  if (graph.node.some((n) => n.opType === 'GroupQueryAttention' && n.domain === MS_DOMAIN)) {
    // Its kernel concatenates past and new into `present` itself; with past and present one buffer it would
    // write in place, but onnxruntime-node copies every output out again (docs/ARCHITECTURE.md, the engine).
    fail('fused GroupQueryAttention returns the whole cache as present');
  }
  const edit = new GraphEdit(graph);
  const shared = edit.sharedShapes(layers[0]?.key ?? '');
  for (const layer of layers) {
    rewriteKeys(edit, layer, shared);
    rewriteValues(edit, layer, shared);
  }
  edit.commit();
  if (!model.opsetImport.some((o) => o.domain === MS_DOMAIN)) {
    model.opsetImport.push(new onnx.OperatorSetIdProto({ domain: MS_DOMAIN, version: 1 }));
  }
  return layers.length;
}

function pastInputs(graph: GraphProto): Layer[] {
  const byLayer = new Map<number, Partial<Layer>>();
  for (const input of graph.input) {
    const match = PAST.exec(input.name ?? '');
    if (!match) continue;
    const index = Number(match[1]);
    const entry = byLayer.get(index) ?? { index };
    entry[match[2] as 'key' | 'value'] = input.name ?? '';
    byLayer.set(index, entry);
  }
  return [...byLayer.values()].map((l) =>
    l.key && l.value ? (l as Layer) : fail(`layer ${l.index} lacks a past key or value`),
  );
}

/** Values computed once and shared by every layer's rewritten attention. */
interface Shared {
  /** [past + 1] as a 1-D int64: the rows fed, including the zero row. */
  fedRows: string;
  /** [past]: the real past length. */
  past: string;
  kvHeads: number;
  headDim: number;
  /**
   * Shapes every layer has alike, made once from the first layer's tensors, so each layer adds no shape
   * arithmetic of its own (every node costs a few microseconds per step): the past scores'
   * [1, kvHeads, group, new, past], the past probabilities' [kvHeads, group·new, past + 1] and the context's.
   */
  pastScoresShape?: string;
  probs3Shape?: string;
  contextShape?: string;
}

function rewriteKeys(edit: GraphEdit, layer: Layer, shared: Shared): void {
  const concat = edit.concatOfPast(layer.key);
  const [, newKeys] = concat.input as [string, string];
  const transpose = edit.onlyConsumer(concat, 'Transpose');
  if (edit.ints(transpose, 'perm').join() !== '0,1,3,2') fail(`${layer.key}: keys transposed otherwise`);
  const unsqueeze = edit.onlyConsumer(transpose, 'Unsqueeze');
  if (edit.unsqueezeAxes(unsqueeze).join() !== '2') fail(`${layer.key}: keys not unsqueezed at axis 2`);
  const matmul = edit.onlyConsumer(unsqueeze, 'MatMul');
  if (matmul.input[1] !== unsqueeze.output[0]) fail(`${layer.key}: keys are not the right operand`);

  const prefix = `tessera_cache.${layer.index}.key`;
  const query = matmul.input[0] ?? '';
  const scores = matmul.output[0] ?? '';
  // The unchanged chain now scores the new keys only.
  transpose.input[0] = newKeys;
  matmul.output[0] = `${prefix}.scores_new`;
  const { kvHeads, headDim } = shared;
  const query3 = edit.add('Reshape', [query, edit.i64([kvHeads, -1, headDim])], `${prefix}.query3`);
  const pastScores = edit.add('FusedMatMul', [query3, layer.key], `${prefix}.scores_past_fed`, {
    domain: MS_DOMAIN,
    attrs: { transB: 1, transBatchB: 1 },
  });
  const dropZeroRow = edit.add(
    'Slice',
    [pastScores, edit.i64([1]), edit.i64Big([INT64_MAX]), edit.i64([2])],
    `${prefix}.scores_past3`,
  );
  // [1, kvHeads, group, new, past]: the query's leading four dims and the past length.
  shared.pastScoresShape ??= edit.add(
    'Concat',
    [
      edit.add(
        'Slice',
        [edit.add('Shape', [query], 'tessera_cache.query_shape'), edit.i64([0]), edit.i64([4])],
        'tessera_cache.query_dims',
      ),
      shared.past,
    ],
    'tessera_cache.past_scores_shape',
    { attrs: { axis: 0 } },
  );
  // allowzero: with no past, the 0 in the shape is a length, not "copy this dim".
  const pastScores5 = edit.add('Reshape', [dropZeroRow, shared.pastScoresShape], `${prefix}.scores_past`, {
    attrs: { allowzero: 1 },
  });
  edit.add('Concat', [pastScores5, `${prefix}.scores_new`], scores, { attrs: { axis: -1 } });
  edit.replacePresent(layer.key, concat, newKeys, shared);
}

function rewriteValues(edit: GraphEdit, layer: Layer, shared: Shared): void {
  const concat = edit.concatOfPast(layer.value);
  const [, newValues] = concat.input as [string, string];
  const unsqueeze = edit.onlyConsumer(concat, 'Unsqueeze');
  if (edit.unsqueezeAxes(unsqueeze).join() !== '2') fail(`${layer.value}: values not unsqueezed at axis 2`);
  const matmul = edit.onlyConsumer(unsqueeze, 'MatMul');
  if (matmul.input[1] !== unsqueeze.output[0]) fail(`${layer.value}: values are not the right operand`);

  const prefix = `tessera_cache.${layer.index}.value`;
  const probs = matmul.input[0] ?? '';
  const context = matmul.output[0] ?? '';
  unsqueeze.input[0] = newValues;
  const newProbs = edit.add(
    'Slice',
    [probs, shared.past, edit.i64Big([INT64_MAX]), edit.i64([-1])],
    `${prefix}.probs_new`,
  );
  matmul.input[0] = newProbs;
  matmul.output[0] = `${prefix}.context_new`;
  const pastProbs = edit.add(
    'Slice',
    [probs, edit.i64([0]), shared.past, edit.i64([-1])],
    `${prefix}.probs_past`,
  );
  // A zero weight for the zero row, then [kvHeads, group·new, past + 1].
  const padded = edit.add(
    'Pad',
    [pastProbs, edit.i64([0, 0, 0, 0, 1, 0, 0, 0, 0, 0]), edit.f32(0)],
    `${prefix}.probs_padded`,
  );
  shared.probs3Shape ??= edit.add(
    'Concat',
    [edit.i64([shared.kvHeads, -1]), shared.fedRows],
    'tessera_cache.probs3_shape',
    { attrs: { axis: 0 } },
  );
  const probs3 = edit.add('Reshape', [padded, shared.probs3Shape], `${prefix}.probs3`);
  const pastContext3 = edit.add('FusedMatMul', [probs3, layer.value], `${prefix}.context_past3`, {
    domain: MS_DOMAIN,
    attrs: { transBatchB: 1 },
  });
  shared.contextShape ??= edit.add('Shape', [`${prefix}.context_new`], 'tessera_cache.context_shape');
  const pastContext = edit.add('Reshape', [pastContext3, shared.contextShape], `${prefix}.context_past`);
  edit.add('Add', [pastContext, `${prefix}.context_new`], context);
  edit.replacePresent(layer.value, concat, newValues, shared);
}

interface AddOptions {
  domain?: string;
  attrs?: Record<string, number | number[]>;
}

/** Indexes of the graph being edited, and the edits that wait for `commit`. */
class GraphEdit {
  private readonly consumers = new Map<string, NodeProto[]>();
  private readonly initializers = new Map<string, TensorProto>();
  private readonly constantNodes = new Map<string, NodeProto>();
  private readonly added: NodeProto[] = [];
  private readonly removed = new Set<NodeProto>();
  private readonly outputs = new Set<string>();
  private constants = 0;
  private readonly int64Constants = new Map<string, string>();

  constructor(private readonly graph: GraphProto) {
    for (const node of graph.node as NodeProto[]) {
      for (const input of node.input) {
        const list = this.consumers.get(input) ?? [];
        list.push(node);
        this.consumers.set(input, list);
      }
      if (node.opType === 'Constant' && node.output[0]) this.constantNodes.set(node.output[0], node);
    }
    for (const init of graph.initializer as TensorProto[]) this.initializers.set(init.name ?? '', init);
    for (const output of graph.output) this.outputs.add(output.name ?? '');
  }

  /** The past input's one consumer: Concat(past, new) on the sequence axis, named as its present output. */
  concatOfPast(past: string): NodeProto {
    const users = this.consumers.get(past) ?? [];
    const concat = users[0];
    if (users.length !== 1 || concat?.opType !== 'Concat' || concat.input[0] !== past) {
      fail(`${past} is not only joined with the new rows by a Concat`);
    }
    const axis = this.attr(concat, 'axis');
    if (axis !== 2 && axis !== -2) fail(`${past} is joined on axis ${axis}, not the sequence axis`);
    const present = past.replace('past_key_values.', 'present.');
    if (concat.output[0] !== present || !this.outputs.has(present)) {
      fail(`${past}'s Concat does not produce the graph output ${present}`);
    }
    return concat;
  }

  /** The single node of type `opType` reading `node`'s output (a graph output may read it too). */
  onlyConsumer(node: NodeProto, opType: string): NodeProto {
    const users = this.consumers.get(node.output[0] ?? '') ?? [];
    const user = users[0];
    if (users.length !== 1 || user?.opType !== opType) {
      fail(
        `${node.output[0]} is read by ${users.map((u) => u.opType).join(', ') || 'nothing'}, not one ${opType}`,
      );
    }
    return user;
  }

  /** Shapes every layer shares, from the first past input: kv heads and head size, past length. */
  sharedShapes(firstPast: string): Shared {
    const input = this.graph.input.find((i) => i.name === firstPast);
    const dims = input?.type?.tensorType?.shape?.dim ?? [];
    const kvHeads = Number(dims[1]?.dimValue ?? 0);
    const headDim = Number(dims[3]?.dimValue ?? 0);
    if (dims.length !== 4 || !kvHeads || !headDim) {
      fail(`${firstPast} is not [batch, kv_heads, past, head_dim] with fixed heads and head size`);
    }
    const fedRows = this.add(
      'Slice',
      [this.add('Shape', [firstPast], 'tessera_cache.fed_shape'), this.i64([0]), this.i64([1])],
      'tessera_cache.fed_rows',
    );
    const past = this.add('Sub', [fedRows, this.i64([1])], 'tessera_cache.past');
    return { fedRows, past, kvHeads, headDim };
  }

  /** The Concat goes; the graph input becomes fed rows and the present output the new rows. */
  replacePresent(past: string, concat: NodeProto, newRows: string, shared: Shared): void {
    this.removed.add(concat);
    const present = concat.output[0] ?? '';
    const rows = this.add('Transpose', [newRows], `${present}.rows4`, { attrs: { perm: [0, 2, 1, 3] } });
    this.add('Reshape', [rows, this.i64([-1, shared.kvHeads, shared.headDim])], present);
    const dims = (names: Array<string | number>) => ({
      dim: names.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })),
    });
    for (const input of this.graph.input) {
      if (input.name === past && input.type?.tensorType) {
        input.type.tensorType.shape = dims(['past_rows', shared.kvHeads, shared.headDim]);
      }
    }
    for (const output of this.graph.output) {
      if (output.name === present && output.type?.tensorType) {
        output.type.tensorType.shape = dims(['new_rows', shared.kvHeads, shared.headDim]);
      }
    }
  }

  add(opType: string, inputs: string[], output: string, options: AddOptions = {}): string {
    const attribute = Object.entries(options.attrs ?? {}).map(([name, value]) =>
      typeof value === 'number'
        ? new onnx.AttributeProto({ name, type: onnx.AttributeProto.AttributeType.INT, i: value })
        : new onnx.AttributeProto({ name, type: onnx.AttributeProto.AttributeType.INTS, ints: value }),
    );
    this.added.push(
      new onnx.NodeProto({
        opType,
        domain: options.domain ?? '',
        name: `${output}_node`,
        input: inputs,
        output: [output],
        attribute,
      }),
    );
    return output;
  }

  i64(values: number[]): string {
    return this.i64Big(values.map(BigInt));
  }

  i64Big(values: bigint[]): string {
    const key = values.join(',');
    const known = this.int64Constants.get(key);
    if (known) return known;
    const name = `tessera_cache.const_${this.constants++}`;
    this.int64Constants.set(key, name);
    const data = BigInt64Array.from(values);
    this.graph.initializer.push(
      new onnx.TensorProto({
        name,
        dataType: onnx.TensorProto.DataType.INT64,
        dims: [values.length],
        rawData: new Uint8Array(data.buffer),
      }),
    );
    return name;
  }

  f32(value: number): string {
    const name = `tessera_cache.const_${this.constants++}`;
    this.graph.initializer.push(
      new onnx.TensorProto({
        name,
        dataType: onnx.TensorProto.DataType.FLOAT,
        dims: [],
        rawData: new Uint8Array(Float32Array.of(value).buffer),
      }),
    );
    return name;
  }

  attr(node: NodeProto, name: string): number | undefined {
    const found = node.attribute.find((a) => a.name === name);
    return found ? Number(found.i) : undefined;
  }

  ints(node: NodeProto, name: string): number[] {
    return (node.attribute.find((a) => a.name === name)?.ints ?? []).map(Number);
  }

  /** Unsqueeze's axes: an attribute before opset 13, a constant input since. */
  unsqueezeAxes(node: NodeProto): number[] {
    const fromAttr = this.ints(node, 'axes');
    if (fromAttr.length > 0) return fromAttr;
    return this.constantInts(node.input[1] ?? '');
  }

  private constantInts(name: string): number[] {
    const init = this.initializers.get(name);
    const tensor =
      init ??
      (this.constantNodes.get(name)?.attribute.find((a) => a.name === 'value')?.t as TensorProto | undefined);
    if (!tensor) fail(`${name} is not a constant`);
    if (tensor.int64Data.length > 0) return tensor.int64Data.map(Number);
    const raw = tensor.rawData;
    if (!raw || raw.byteLength % 8 !== 0) fail(`${name} is not an int64 constant`);
    const copy = new Uint8Array(raw); // a copy: decoded bytes may be a view into the whole file
    return Array.from(new BigInt64Array(copy.buffer, 0, copy.byteLength / 8), Number);
  }

  /** Applies the edits: removed nodes go, added ones come after the originals, then a topological sort. */
  commit(): void {
    const nodes = [...(this.graph.node as NodeProto[]).filter((n) => !this.removed.has(n)), ...this.added];
    this.graph.node = topologicalOrder(nodes, this.graph);
    const changed = new Set(this.graph.output.map((o) => o.name));
    this.graph.valueInfo = this.graph.valueInfo.filter((v) => !changed.has(v.name));
  }
}

/** ONNX requires nodes in topological order; the added nodes read values produced later in the list. */
function topologicalOrder(nodes: NodeProto[], graph: GraphProto): NodeProto[] {
  const available = new Set<string>(['']);
  for (const input of graph.input) available.add(input.name ?? '');
  for (const init of graph.initializer) available.add(init.name ?? '');
  const ordered: NodeProto[] = [];
  let pending = nodes;
  while (pending.length > 0) {
    const next: NodeProto[] = [];
    for (const node of pending) {
      if (node.input.every((i) => available.has(i))) {
        ordered.push(node);
        for (const o of node.output) available.add(o);
      } else {
        next.push(node);
      }
    }
    if (next.length === pending.length) fail('the rewritten graph has a cycle or an undefined value');
    pending = next;
  }
  return ordered;
}
