/**
 * The Qwen2 language model of Qwen2-VL / Qwen2.5-VL as `decoder_model_merged`: Llama's layout (RMSNorm,
 * grouped-query attention over past + new keys, SwiGLU MLP, lm_head) with biases on q/k/v and multimodal rope —
 * `position_ids` is [3, batch, sequence] (temporal, height, width), and each rotary frequency takes its angle
 * from one of the three rows, as `mrope_section` assigns them (Python's apply_multimodal_rotary_pos_emb).
 * The input and output names are transformers.js's; the embedding graph is the shared Llama one.
 */
import { type Rotary, pastKeyValueInputs } from '../../attention.ts';
import { type LlamaDims, buildLlamaLayers } from '../../llama.ts';
import type { Layers } from '../../nn.ts';
import { type GraphBuilder, int, onnxTypeCode } from '../../../runtime/graph-builder.ts';

export interface QwenTextDims extends LlamaDims {
  /** Frequencies per position row (temporal, height, width); they sum to headDim / 2. */
  mropeSection: readonly [number, number, number];
}

/** Added to the scores of keys a query must not see. */
const MASKED = -1e9;

export function buildQwenDecoder(
  nn: Layers,
  t: QwenTextDims,
  prefix: string,
  lmHead: string,
  silentIds: readonly number[],
): void {
  const g = nn.g;
  const embeds = g.input('inputs_embeds', 'float32', ['batch_size', 'sequence_length', t.hidden]);
  const attentionMask = g.input('attention_mask', 'int64', ['batch_size', 'total_sequence_length']);
  const positionIds = g.input('position_ids', 'int64', [3, 'batch_size', 'sequence_length']);
  const past = pastKeyValueInputs(g, t);
  const rotary = mropeTables(g, positionIds, t);
  const bias = causalBias(g, embeds, attentionMask);
  // Qwen2's attention always has q/k/v biases (hard-wired in Python); the dims leave qkvBias unset.
  const text = { ...t, qkvBias: true };
  buildLlamaLayers(nn, embeds, text, { prefix, lmHead }, silentIds, { rotary, bias, past });
}

/**
 * cos/sin [B, 1, S, headDim]: angles of all three position rows ([3, B, S, headDim/2]), then frequency j keeps
 * the row its mrope section names (a one-hot mask summed over the rows), halves repeated as in Llama.
 */
function mropeTables(g: GraphBuilder, positionIds: string, t: QwenTextDims): Rotary {
  const half = t.headDim / 2;
  const invFreq = Array.from({ length: half }, (_, j) => 1 / Math.pow(t.ropeTheta, (2 * j) / t.headDim));
  const rowOf: number[] = [];
  t.mropeSection.forEach((count, row) => rowOf.push(...new Array<number>(count).fill(row)));
  if (rowOf.length !== half)
    throw new Error(`mrope_section ${t.mropeSection} must sum to headDim / 2 (${half})`);
  const mask = Array.from({ length: 3 * half }, (_, i) => (rowOf[i % half] === Math.floor(i / half) ? 1 : 0));
  const positions = g.op('Unsqueeze', [
    g.op('Cast', [positionIds], { to: int(onnxTypeCode('float32')) }),
    g.i64([3]),
  ]);
  const angles = g.op('Mul', [positions, g.constant('float32', [half], invFreq)]);
  const chosen = g.op(
    'ReduceSum',
    [g.op('Mul', [angles, g.constant('float32', [3, 1, 1, half], mask)]), g.i64([0])],
    {
      keepdims: int(0),
    },
  );
  const full = g.op('Unsqueeze', [g.op('Concat', [chosen, chosen], { axis: int(-1) }), g.i64([1])]);
  return { cos: g.op('Cos', [full]), sin: g.op('Sin', [full]) };
}

/**
 * Additive bias [B, 1, 1, S, T]: query i (position past + i) sees key j when j ≤ past + i and the mask is 1.
 * The shared attentionBias computes the same, but its nodes come in another order (and so other bytes).
 */
function causalBias(g: GraphBuilder, embeds: string, attentionMask: string): string {
  const scalar = (v: number) => g.constant('int64', [], [v]);
  const dim = (x: string, axis: number) =>
    g.op('Gather', [g.op('Shape', [x]), scalar(axis)], { axis: int(0) });
  const total = dim(attentionMask, 1);
  const queries = g.op('Range', [g.op('Sub', [total, dim(embeds, 1)]), total, scalar(1)]);
  const keys = g.op('Range', [scalar(0), total, scalar(1)]);
  const causal = g.op('LessOrEqual', [keys, g.op('Unsqueeze', [queries, g.i64([1])])]);
  const kept = g.op('Unsqueeze', [
    g.op('Cast', [attentionMask], { to: int(onnxTypeCode('bool')) }),
    g.i64([1, 2]),
  ]);
  const bias = g.op('Where', [g.op('And', [causal, kept]), g.f32(0), g.f32(MASKED)]);
  return g.op('Unsqueeze', [bias, g.i64([1])]);
}
