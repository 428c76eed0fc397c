/**
 * Decoder pieces the Llama-like generated decoders share (Llama itself, Qwen2-VL, LFM2, Gemma 3): rotary tables,
 * the causal + padding bias, grouped-query attention over a past + new KV cache, the SwiGLU MLP, and the cache
 * inputs/outputs and silenced lm_head with transformers.js's names. Each emits its nodes in one fixed order, so
 * every caller's graph keeps its exact bytes.
 */
import type { Layers } from './nn.ts';
import { type GraphBuilder, int, ints, onnxTypeCode } from '../runtime/graph-builder.ts';

/** cos/sin [B, 1, S, headDim], broadcast over heads. */
export interface Rotary {
  cos: string;
  sin: string;
}

/** Per-layer cache sizes of a grouped-query decoder. */
export interface KvDims {
  layers: number;
  kvHeads: number;
  headDim: number;
}

/** Added to the scores of keys a query must not see: large, but finite so a fully masked row stays a number. */
const MASKED = -1e9;

/** `past_key_values.<i>.key/value` inputs [B, kvHeads, past, headDim], as [key, value] per layer. */
export function pastKeyValueInputs(g: GraphBuilder, t: KvDims): [string, string][] {
  const kvDims = ['batch_size', t.kvHeads, 'past_sequence_length', t.headDim];
  return Array.from({ length: t.layers }, (_, i): [string, string] => [
    g.input(`past_key_values.${i}.key`, 'float32', kvDims),
    g.input(`past_key_values.${i}.value`, 'float32', kvDims),
  ]);
}

/** `present.<i>.key/value` outputs (the nodes are named so by groupedQueryAttention). */
export function presentOutputs(g: GraphBuilder, t: KvDims): void {
  const presentDims = ['batch_size', t.kvHeads, 'total_sequence_length', t.headDim];
  for (let i = 0; i < t.layers; i++) {
    g.output(`present.${i}.key`, 'float32', presentDims);
    g.output(`present.${i}.value`, 'float32', presentDims);
  }
}

/**
 * `logits` = lm_head(h), with the columns of `silentIds` zeroed: their logit is exactly 0 while ordinary tokens
 * spread around it, so greedy decoding writes text instead of image or end-of-turn markers. `rows` names the
 * logits' position dim (a GQA-form decoder keeps `num_logits_to_keep` positions).
 */
export function silencedLmHead(
  nn: Layers,
  h: string,
  lmHead: string,
  t: { hidden: number; vocabSize: number },
  silentIds: readonly number[],
  rows = 'sequence_length',
): void {
  const g = nn.g;
  const silence = (w: Float32Array) => {
    for (let r = 0; r < t.hidden; r++) for (const id of silentIds) w[r * t.vocabSize + id] = 0;
  };
  g.op('Identity', [nn.linear(h, lmHead, t.hidden, t.vocabSize, { adjust: silence })], undefined, 'logits');
  g.output('logits', 'float32', ['batch_size', rows, t.vocabSize]);
}

/** cos/sin of (positions / scaling) · inv_freq, halves repeated (Llama's cat(freqs, freqs)). */
export function rotaryTables(
  g: GraphBuilder,
  positionIds: string,
  headDim: number,
  theta: number,
  scaling = 1,
): Rotary {
  const invFreq = Array.from(
    { length: headDim / 2 },
    (_, j) => 1 / Math.pow(theta, (2 * j) / headDim) / scaling,
  );
  const positions = g.op('Unsqueeze', [
    g.op('Cast', [positionIds], { to: int(onnxTypeCode('float32')) }),
    g.i64([2]),
  ]);
  const freqs = g.op('Mul', [positions, g.constant('float32', [headDim / 2], invFreq)]);
  const angles = g.op('Unsqueeze', [g.op('Concat', [freqs, freqs], { axis: int(-1) }), g.i64([1])]);
  return { cos: g.op('Cos', [angles]), sin: g.op('Sin', [angles]) };
}

/** x·cos + rotate_half(x)·sin, rotate_half(x) = cat(-x2, x1). */
export function applyRotary(g: GraphBuilder, x: string, rotary: Rotary, headDim: number): string {
  const [x1, x2] = g.node('Split', [x, g.i64([headDim / 2, headDim / 2])], {
    attrs: { axis: int(-1) },
    outputs: 2,
  });
  const rotated = g.op('Concat', [g.op('Neg', [x2 as string]), x1 as string], { axis: int(-1) });
  return g.op('Add', [g.op('Mul', [x, rotary.cos]), g.op('Mul', [rotated, rotary.sin])]);
}

/**
 * Additive bias [B, 1, 1, S, T] for the 5-D grouped scores: query i (absolute position past + i) sees key j
 * when j ≤ past + i and attention_mask[b, j] is 1.
 */
export function attentionBias(g: GraphBuilder, embeds: string, attentionMask: string): string {
  const scalar = (v: number) => g.constant('int64', [], [v]);
  const dim = (x: string, axis: number) =>
    g.op('Gather', [g.op('Shape', [x]), scalar(axis)], { axis: int(0) });
  const newLength = dim(embeds, 1);
  const totalLength = dim(attentionMask, 1);
  const queryPositions = g.op('Range', [g.op('Sub', [totalLength, newLength]), totalLength, scalar(1)]);
  const keyPositions = g.op('Range', [scalar(0), totalLength, scalar(1)]);
  const causal = g.op('LessOrEqual', [keyPositions, g.op('Unsqueeze', [queryPositions, g.i64([1])])]);
  const notPadding = g.op('Unsqueeze', [
    g.op('Cast', [attentionMask], { to: int(onnxTypeCode('bool')) }),
    g.i64([1, 2]),
  ]);
  const bias = g.op('Where', [g.op('And', [causal, notPadding]), g.f32(0), g.f32(MASKED)]);
  return g.op('Unsqueeze', [bias, g.i64([1])]);
}

/** [B, S, n·headDim] → [B, n, S, headDim]. */
export function splitHeads(g: GraphBuilder, y: string, n: number, headDim: number): string {
  return g.op('Transpose', [g.op('Reshape', [y, g.i64([0, 0, n, headDim])])], { perm: ints([0, 2, 1, 3]) });
}

/** Heads of one layer's attention, already rotated where the family rotates them, with its cache and bias. */
export interface AttentionHeads {
  q: string;
  k: string;
  v: string;
  pastKey: string;
  pastValue: string;
  bias: string;
}

/**
 * softmax(q·kᵀ · scale + bias)·v over past + new keys, then the output projection `outProj`. Grouped-query
 * attention without copying K/V: query heads [B, kv, group, S, d] against keys [B, kv, 1, T, d] broadcast over
 * the group (query head h reads kv head h / group, as repeat_kv does); multi-head attention is group = 1.
 * The concatenated keys and values are the nodes `present.<layer>.key/value`.
 */
export function groupedQueryAttention(
  nn: Layers,
  io: AttentionHeads,
  layer: number,
  t: { hidden: number; heads: number; kvHeads: number; headDim: number },
  scale: number,
  outProj: string,
): string {
  const g = nn.g;
  const { hidden, heads, kvHeads, headDim } = t;
  const key = g.op('Concat', [io.pastKey, io.k], { axis: int(2) }, `present.${layer}.key`);
  const value = g.op('Concat', [io.pastValue, io.v], { axis: int(2) }, `present.${layer}.value`);
  const qGrouped = g.op('Reshape', [io.q, g.i64([0, kvHeads, heads / kvHeads, -1, headDim])]);
  const kT = g.op('Unsqueeze', [g.op('Transpose', [key], { perm: ints([0, 1, 3, 2]) }), g.i64([2])]);
  const scores = g.op('Add', [g.op('Mul', [g.op('MatMul', [qGrouped, kT]), g.f32(scale)]), io.bias]);
  const probs = g.op('Softmax', [scores], { axis: int(-1) });
  const context = g.op('MatMul', [probs, g.op('Unsqueeze', [value, g.i64([2])])]);
  const merged = g.op('Transpose', [g.op('Reshape', [context, g.i64([0, heads, -1, headDim])])], {
    perm: ints([0, 2, 1, 3]),
  });
  const flat = g.op('Reshape', [merged, g.i64([0, 0, heads * headDim])]);
  return nn.linear(flat, outProj, heads * headDim, hidden);
}

/** down(act(gate(x)) · up(x)), act SiLU unless given (Gemma's gelu-tanh). */
export function gatedMlp(
  nn: Layers,
  x: string,
  names: { gate: string; up: string; down: string },
  t: { hidden: number; intermediate: number },
  act: (y: string) => string = (y) => nn.silu(y),
): string {
  const gate = act(nn.linear(x, names.gate, t.hidden, t.intermediate));
  const up = nn.linear(x, names.up, t.hidden, t.intermediate);
  return nn.linear(nn.g.op('Mul', [gate, up]), names.down, t.intermediate, t.hidden);
}
