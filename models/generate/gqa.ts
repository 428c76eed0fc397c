/**
 * Pieces of the GQA-form decoder that newer onnx-community exports ship (read from a real Gemma-3-4B export's
 * graph): `com.microsoft.GroupQueryAttention` per layer with in-graph rotary from `cos_cache`/`sin_cache`
 * initializers, `seqlens_k`/`total_sequence_length` and a padding bias computed from `attention_mask`, no
 * `position_ids` input, `SimplifiedLayerNormalization` norms, and a scalar `num_logits_to_keep` input that slices
 * the positions lm_head sees. The kernel's contract (onnxruntime's CPU GroupQueryAttention): query/key/value
 * [B, S, n·headDim]; past and present [B, kvHeads, T, headDim] (BNSH); `seqlens_k` = total − 1 per batch row
 * (int32); `total_sequence_length` a scalar (int32); positions past..total−1 index the caches' rows; where
 * `local_window_size` is set a query sees that many most recent keys, itself included (onnxruntime 1.30's CPU
 * kernel, measured; older sources read as one key more), all earlier keys otherwise.
 */
import type { Layers } from './nn.ts';
import { type GraphBuilder, MS_DOMAIN, float, int, onnxTypeCode } from '../runtime/graph-builder.ts';

/** Added to the scores of padded keys: large, but finite so a fully masked row stays a number. */
const MASKED = -1e9;
/** Slice end "to the last position" (the real export writes int32's max too). */
const TO_END = 2147483647;

/** What every layer's GroupQueryAttention reads besides its own q/k/v and cache. */
export interface GqaLengths {
  /** int32 [B]: total − 1. */
  seqlensK: string;
  /** int32 scalar: the total length (past + new). */
  total: string;
  /** float [B, 1, S, T]: 0 where attention_mask is 1, MASKED where it is 0 (padding). */
  bias: string;
}

/** seqlens_k, total_sequence_length and the padding bias from attention_mask's shape and values. */
export function gqaLengths(g: GraphBuilder, embeds: string, attentionMask: string): GqaLengths {
  const scalar = (v: number) => g.constant('int64', [], [v]);
  const dim = (x: string, axis: number) =>
    g.op('Gather', [g.op('Shape', [x]), scalar(axis)], { axis: int(0) });
  const toInt32 = (x: string) => g.op('Cast', [x], { to: int(onnxTypeCode('int32')) });
  const batch = g.op('Unsqueeze', [dim(embeds, 0), g.i64([0])]);
  const newLength = g.op('Unsqueeze', [dim(embeds, 1), g.i64([0])]);
  const totalLength = dim(attentionMask, 1);
  const lastIndex = g.op('Unsqueeze', [g.op('Sub', [totalLength, scalar(1)]), g.i64([0])]);
  const seqlensK = toInt32(g.op('Expand', [lastIndex, batch]));
  const maskFloat = g.op('Cast', [attentionMask], { to: int(onnxTypeCode('float32')) });
  const padding = g.op('Mul', [g.op('Sub', [g.f32(1), maskFloat]), g.f32(MASKED)]);
  const target = g.op(
    'Concat',
    [batch, g.i64([1]), newLength, g.op('Unsqueeze', [totalLength, g.i64([0])])],
    {
      axis: int(0),
    },
  );
  const bias = g.op('Expand', [g.op('Unsqueeze', [padding, g.i64([1, 2])]), target]);
  return { seqlensK, total: toInt32(totalLength), bias };
}

export interface RotaryCache {
  cos: string;
  sin: string;
}

/**
 * `cos_cache`/`sin_cache` [rows, headDim/2]: row p holds the angles of position p + `offset`, divided by `scaling`
 * (linear rope scaling). Angles are float32 products of the float32 position and inverse frequency, as the plain
 * form's Mul computes them, so both forms rotate by the same angles.
 */
export function rotaryCache(
  g: GraphBuilder,
  name: string,
  rows: number,
  headDim: number,
  rope: { theta: number; scaling?: number; offset?: number },
): RotaryCache {
  const half = headDim / 2;
  const scaling = rope.scaling ?? 1;
  const offset = rope.offset ?? 0;
  const invFreq = Array.from({ length: half }, (_, j) =>
    Math.fround(1 / Math.pow(rope.theta, (2 * j) / headDim) / scaling),
  );
  const cos = new Float32Array(rows * half);
  const sin = new Float32Array(rows * half);
  for (let p = 0; p < rows; p++) {
    for (let j = 0; j < half; j++) {
      const angle = Math.fround((p + offset) * (invFreq[j] as number));
      cos[p * half + j] = Math.cos(angle);
      sin[p * half + j] = Math.sin(angle);
    }
  }
  return {
    cos: g.initializer(`cos_cache_${name}`, 'float32', [rows, half], cos),
    sin: g.initializer(`sin_cache_${name}`, 'float32', [rows, half], sin),
  };
}

export interface GqaLayer {
  /** [B, S, heads·headDim], [B, S, kvHeads·headDim] ×2; q and k not yet rotated. */
  q: string;
  k: string;
  v: string;
  past: [string, string];
  /** Outputs' names, `present.<i>.key` / `.value`. */
  present: [string, string];
  rotary: RotaryCache;
  lengths: GqaLengths;
  /** Keys a query sees, itself included (`sliding_window`), or -1 for all. */
  localWindow: number;
  scale: number;
}

/** One fused attention: rotary, causal (and windowed) softmax over past + new; returns [B, S, heads·headDim]. */
export function groupQueryAttentionNode(
  g: GraphBuilder,
  io: GqaLayer,
  t: { heads: number; kvHeads: number },
): string {
  const { lengths, rotary } = io;
  const inputs = [io.q, io.k, io.v, ...io.past, lengths.seqlensK, lengths.total, rotary.cos, rotary.sin];
  // Input 9 (position_ids) is left out: the kernel derives positions from seqlens_k.
  const [out] = g.node('GroupQueryAttention', [...inputs, '', lengths.bias], {
    domain: MS_DOMAIN,
    outputs: [g.fresh('gqa'), ...io.present],
    attrs: {
      num_heads: int(t.heads),
      kv_num_heads: int(t.kvHeads),
      scale: float(io.scale),
      local_window_size: int(io.localWindow),
      softcap: float(0),
      do_rotary: int(1),
      rotary_interleaved: int(0),
    },
  });
  return out as string;
}

/** x / sqrt(mean(x²) + eps) · weight, as the fused norm the GQA-form exports use. */
export function simplifiedRmsNorm(g: GraphBuilder, x: string, weight: string, eps: number): string {
  return g.op('SimplifiedLayerNormalization', [x, weight], {
    axis: int(-1),
    epsilon: float(eps),
    stash_type: int(1),
  });
}

/** A weight of `dim` values drawn like `nn.normal(name, [dim], std)` plus `shift` (Gemma's 1 + w, folded). */
export function shiftedWeight(nn: Layers, name: string, dim: number, std: number, shift: number): string {
  const w = nn.random(name, dim, std).map((v) => v + shift);
  return nn.g.initializer(name, 'float32', [dim], w);
}

/** The last `num_logits_to_keep` positions of h [B, S, hidden] (0 keeps all, as transformers.js expects). */
export function keepLastPositions(g: GraphBuilder, h: string, keep: string): string {
  const start = g.op('Unsqueeze', [g.op('Neg', [keep]), g.i64([0])]);
  return g.op('Slice', [h, start, g.i64([TO_END]), g.i64([1])]);
}
