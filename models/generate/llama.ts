/**
 * The Llama language-model graphs every generated family shares: `embed_tokens` (a Gather) and
 * `decoder_model_merged` (RMSNorm, rotary embedding from position_ids, grouped-query attention over the
 * past + new keys, SwiGLU MLP, lm_head), with transformers.js's input and output names. Families differ only
 * in their dimensions and weight names.
 */
import {
  type Rotary,
  applyRotary,
  attentionBias,
  gatedMlp,
  groupedQueryAttention,
  pastKeyValueInputs,
  presentOutputs,
  rotaryTables,
  silencedLmHead,
  splitHeads,
} from './attention.ts';
import type { Layers } from './nn.ts';
import { int } from '../runtime/graph-builder.ts';

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
  /** Biases on q/k/v_proj (Qwen2's `attention_bias`); absent: none, and no extra weights are drawn. */
  qkvBias?: boolean;
}

/** The widths a family's size table gives; the rest of LlamaDims is fixed per family. */
export type LlamaWidths = Pick<
  LlamaDims,
  'hidden' | 'intermediate' | 'layers' | 'heads' | 'kvHeads' | 'headDim'
>;

/** LlamaDims from a size's widths, vocabulary and context, and the family's fixed rope, norm and bias settings. */
export function llamaTextDims(
  widths: LlamaWidths,
  vocabSize: number,
  maxPositions: number,
  fixed: Pick<LlamaDims, 'ropeTheta' | 'rmsNormEps' | 'qkvBias'>,
): LlamaDims {
  return { ...widths, vocabSize, maxPositions, ...fixed };
}

export interface LlamaNames {
  /** Prefix of the decoder weights: `<prefix>.embed_tokens.weight`, `<prefix>.layers.<i>.…`, `<prefix>.norm`. */
  prefix: string;
  /** Name of the output projection (weights `<lmHead>.weight`). */
  lmHead: string;
}

export function buildEmbedTokens(nn: Layers, dims: LlamaDims, names: LlamaNames): void {
  const g = nn.g;
  const { hidden, vocabSize } = dims;
  const ids = g.input('input_ids', 'int64', ['batch_size', 'sequence_length']);
  // Unit-variance embeddings: the scale RMSNorm expects and the image features are drawn at.
  const table = nn.normal(`${names.prefix}.embed_tokens.weight`, [vocabSize, hidden], 1);
  g.node('Gather', [table, ids], { attrs: { axis: int(0) }, outputs: ['inputs_embeds'] });
  g.output('inputs_embeds', 'float32', ['batch_size', 'sequence_length', hidden]);
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
  const past = pastKeyValueInputs(g, t);
  const rotary = rotaryTables(g, positionIds, t.headDim, t.ropeTheta);
  const bias = attentionBias(g, embeds, attentionMask);
  buildLlamaLayers(nn, embeds, t, names, silentIds, { rotary, bias, past });
}

/** What every layer's self-attention reads besides its input: positions, mask bias, and the per-layer cache. */
export interface LlamaAttentionInputs {
  rotary: Rotary;
  bias: string;
  past: [string, string][];
}

/**
 * The layers, final norm, lm_head and cache outputs of a Llama decoder whose inputs are already declared, so
 * a decoder with other position inputs (Qwen2-VL's multimodal rope) builds only its own rotary tables.
 */
export function buildLlamaLayers(
  nn: Layers,
  embeds: string,
  t: LlamaDims,
  names: LlamaNames,
  silentIds: readonly number[],
  io: LlamaAttentionInputs,
): void {
  const g = nn.g;
  let h = embeds;
  for (let i = 0; i < t.layers; i++) {
    const name = `${names.prefix}.layers.${i}`;
    const x = nn.rmsNorm(h, `${name}.input_layernorm`, t.hidden, t.rmsNormEps);
    h = g.op('Add', [h, selfAttention(nn, x, `${name}.self_attn`, i, t, io)]);
    const y = nn.rmsNorm(h, `${name}.post_attention_layernorm`, t.hidden, t.rmsNormEps);
    const mlp = { gate: `${name}.mlp.gate_proj`, up: `${name}.mlp.up_proj`, down: `${name}.mlp.down_proj` };
    h = g.op('Add', [h, gatedMlp(nn, y, mlp, t)]);
  }
  h = nn.rmsNorm(h, `${names.prefix}.norm`, t.hidden, t.rmsNormEps);
  silencedLmHead(nn, h, names.lmHead, t, silentIds);
  presentOutputs(g, t);
}

/** q/k/v projections (biased where `qkvBias`), q and k rotated, grouped-query attention, o_proj. */
function selfAttention(
  nn: Layers,
  x: string,
  name: string,
  layer: number,
  t: LlamaDims,
  io: LlamaAttentionInputs,
): string {
  const g = nn.g;
  const [pastKey, pastValue] = io.past[layer] as [string, string];
  const project = (proj: string, n: number) =>
    splitHeads(
      g,
      nn.linear(x, `${name}.${proj}`, t.hidden, n * t.headDim, { bias: t.qkvBias }),
      n,
      t.headDim,
    );
  const q = applyRotary(g, project('q_proj', t.heads), io.rotary, t.headDim);
  const k = applyRotary(g, project('k_proj', t.kvHeads), io.rotary, t.headDim);
  const v = project('v_proj', t.kvHeads);
  const heads = { q, k, v, pastKey, pastValue, bias: io.bias };
  return groupedQueryAttention(nn, heads, layer, t, 1 / Math.sqrt(t.headDim), `${name}.o_proj`);
}
