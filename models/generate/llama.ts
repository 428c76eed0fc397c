/**
 * The Llama language-model graphs every generated family shares: `embed_tokens` (a Gather) and
 * `decoder_model_merged` (RMSNorm, rotary embedding from position_ids, grouped-query attention over the
 * past + new keys, SwiGLU MLP, lm_head), with transformers.js's input and output names. Families differ only
 * in their dimensions and weight names.
 */
import type { Layers } from './nn.ts';
import { type GraphBuilder, int, ints, onnxTypeCode } from './onnx-builder.ts';

/** A Llama text model's `text_config`, in the generators' words. */
export interface LlamaDims {
  hidden: number;
  intermediate: number;
  layers: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  /** Rows of embed_tokens and columns of lm_head (may exceed the tokenizer's size, as llava-hf's 32064 does). */
  vocabSize: number;
  maxPositions: number;
  ropeTheta: number;
  rmsNormEps: number;
}

export interface LlamaNames {
  /** Prefix of the decoder weights: `<prefix>.embed_tokens.weight`, `<prefix>.layers.<i>.…`, `<prefix>.norm`. */
  prefix: string;
  /** Name of the output projection (weights `<lmHead>.weight`). */
  lmHead: string;
}

const MASKED = -1e9;

export function buildEmbedTokens(nn: Layers, dims: LlamaDims, names: LlamaNames): void {
  const g = nn.g;
  const { hidden, vocabSize } = dims;
  const ids = g.input('input_ids', 'int64', ['batch_size', 'sequence_length']);
  // Unit-variance embeddings: the scale RMSNorm expects and the image features are drawn at.
  const table = nn.normal(`${names.prefix}.embed_tokens.weight`, [vocabSize, hidden], 1);
  g.node('Gather', [table, ids], { attrs: { axis: int(0) }, outputs: ['inputs_embeds'] });
  g.output('inputs_embeds', 'float32', ['batch_size', 'sequence_length', hidden]);
}

interface Rotary {
  cos: string;
  sin: string;
}

/**
 * `silentIds`: tokens whose lm_head column is zeroed, so their logit is exactly 0 while ordinary tokens'
 * spread around it; greedy decoding then writes text instead of image or end-of-turn markers.
 */
export function buildLlamaDecoder(
  nn: Layers,
  t: LlamaDims,
  names: LlamaNames,
  silentIds: readonly number[] = [],
): void {
  const g = nn.g;
  const embeds = g.input('inputs_embeds', 'float32', ['batch_size', 'sequence_length', t.hidden]);
  const attentionMask = g.input('attention_mask', 'int64', ['batch_size', 'total_sequence_length']);
  const positionIds = g.input('position_ids', 'int64', ['batch_size', 'sequence_length']);
  const kvDims = ['batch_size', t.kvHeads, 'past_sequence_length', t.headDim];
  const presentDims = ['batch_size', t.kvHeads, 'total_sequence_length', t.headDim];
  const past: [string, string][] = [];
  for (let i = 0; i < t.layers; i++) {
    past.push([
      g.input(`past_key_values.${i}.key`, 'float32', kvDims),
      g.input(`past_key_values.${i}.value`, 'float32', kvDims),
    ]);
  }

  const rotary = rotaryTables(g, positionIds, t);
  const bias = attentionBias(g, embeds, attentionMask);

  let h = embeds;
  for (let i = 0; i < t.layers; i++) {
    const name = `${names.prefix}.layers.${i}`;
    const [pastKey, pastValue] = past[i] as [string, string];
    const x = nn.rmsNorm(h, `${name}.input_layernorm`, t.hidden, t.rmsNormEps);
    h = g.op('Add', [h, attention(nn, x, `${name}.self_attn`, i, t, rotary, bias, pastKey, pastValue)]);
    const y = nn.rmsNorm(h, `${name}.post_attention_layernorm`, t.hidden, t.rmsNormEps);
    const gate = nn.silu(nn.linear(y, `${name}.mlp.gate_proj`, t.hidden, t.intermediate));
    const up = nn.linear(y, `${name}.mlp.up_proj`, t.hidden, t.intermediate);
    h = g.op('Add', [
      h,
      nn.linear(g.op('Mul', [gate, up]), `${name}.mlp.down_proj`, t.intermediate, t.hidden),
    ]);
  }
  h = nn.rmsNorm(h, `${names.prefix}.norm`, t.hidden, t.rmsNormEps);
  const silence = (w: Float32Array) => {
    for (let r = 0; r < t.hidden; r++) for (const id of silentIds) w[r * t.vocabSize + id] = 0;
  };
  g.op(
    'Identity',
    [nn.linear(h, names.lmHead, t.hidden, t.vocabSize, { adjust: silence })],
    undefined,
    'logits',
  );
  g.output('logits', 'float32', ['batch_size', 'sequence_length', t.vocabSize]);
  for (let i = 0; i < t.layers; i++) {
    g.output(`present.${i}.key`, 'float32', presentDims);
    g.output(`present.${i}.value`, 'float32', presentDims);
  }
}

/** cos/sin [B, 1, S, headDim] of positions · inv_freq, halves repeated (Llama's cat(freqs, freqs)). */
function rotaryTables(g: GraphBuilder, positionIds: string, t: LlamaDims): Rotary {
  const { headDim, ropeTheta } = t;
  const invFreq = Array.from({ length: headDim / 2 }, (_, j) => 1 / Math.pow(ropeTheta, (2 * j) / headDim));
  const positions = g.op('Unsqueeze', [
    g.op('Cast', [positionIds], { to: int(onnxTypeCode('float32')) }),
    g.i64([2]),
  ]);
  const freqs = g.op('Mul', [positions, g.constant('float32', [headDim / 2], invFreq)]);
  const angles = g.op('Unsqueeze', [g.op('Concat', [freqs, freqs], { axis: int(-1) }), g.i64([1])]);
  return { cos: g.op('Cos', [angles]), sin: g.op('Sin', [angles]) };
}

/**
 * Additive bias [B, 1, 1, S, T] for the 5-D grouped scores: query i (absolute position past + i) sees key j
 * when j ≤ past + i and attention_mask[b, j] is 1.
 */
function attentionBias(g: GraphBuilder, embeds: string, attentionMask: string): string {
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
  const allowed = g.op('And', [causal, notPadding]);
  const bias = g.op('Where', [allowed, g.f32(0), g.f32(MASKED)]);
  return g.op('Unsqueeze', [bias, g.i64([1])]);
}

/** x·cos + rotate_half(x)·sin, rotate_half(x) = cat(-x2, x1). */
function applyRotary(g: GraphBuilder, x: string, rotary: Rotary, headDim: number): string {
  const [x1, x2] = g.node('Split', [x, g.i64([headDim / 2, headDim / 2])], {
    attrs: { axis: int(-1) },
    outputs: 2,
  });
  const rotated = g.op('Concat', [g.op('Neg', [x2 as string]), x1 as string], { axis: int(-1) });
  return g.op('Add', [g.op('Mul', [x, rotary.cos]), g.op('Mul', [rotated, rotary.sin])]);
}

function attention(
  nn: Layers,
  x: string,
  name: string,
  layer: number,
  t: LlamaDims,
  rotary: Rotary,
  bias: string,
  pastKey: string,
  pastValue: string,
): string {
  const g = nn.g;
  const { hidden, heads, kvHeads, headDim } = t;
  const group = heads / kvHeads;
  const toHeads = (y: string, n: number) =>
    g.op('Transpose', [g.op('Reshape', [y, g.i64([0, 0, n, headDim])])], { perm: ints([0, 2, 1, 3]) });

  const q = applyRotary(
    g,
    toHeads(nn.linear(x, `${name}.q_proj`, hidden, heads * headDim), heads),
    rotary,
    headDim,
  );
  const k = applyRotary(
    g,
    toHeads(nn.linear(x, `${name}.k_proj`, hidden, kvHeads * headDim), kvHeads),
    rotary,
    headDim,
  );
  const v = toHeads(nn.linear(x, `${name}.v_proj`, hidden, kvHeads * headDim), kvHeads);
  const key = g.op('Concat', [pastKey, k], { axis: int(2) }, `present.${layer}.key`);
  const value = g.op('Concat', [pastValue, v], { axis: int(2) }, `present.${layer}.value`);

  // Grouped-query attention without copying K/V: query heads [B, kv, group, S, d] against keys
  // [B, kv, 1, T, d] broadcast over the group (query head h reads kv head h / group, as repeat_kv does).
  // Multi-head attention (LLaVA-1.5's Llama-2) is the case group = 1.
  const qGrouped = g.op('Reshape', [q, g.i64([0, kvHeads, group, -1, headDim])]);
  const kT = g.op('Unsqueeze', [g.op('Transpose', [key], { perm: ints([0, 1, 3, 2]) }), g.i64([2])]);
  const scores = g.op('Add', [
    g.op('Mul', [g.op('MatMul', [qGrouped, kT]), g.f32(1 / Math.sqrt(headDim))]),
    bias,
  ]);
  const probs = g.op('Softmax', [scores], { axis: int(-1) });
  const context = g.op('MatMul', [probs, g.op('Unsqueeze', [value, g.i64([2])])]);
  const merged = g.op('Transpose', [g.op('Reshape', [context, g.i64([0, heads, -1, headDim])])], {
    perm: ints([0, 2, 1, 3]),
  });
  return nn.linear(
    g.op('Reshape', [merged, g.i64([0, 0, heads * headDim])]),
    `${name}.o_proj`,
    heads * headDim,
    hidden,
  );
}
