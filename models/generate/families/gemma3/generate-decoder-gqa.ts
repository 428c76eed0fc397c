/**
 * Gemma 3's `decoder_model_merged` in the GQA form of the current onnx-community exports (models/generate/gqa.ts):
 * inputs `inputs_embeds`, `attention_mask`, scalar `num_logits_to_keep` and the BNSH `past_key_values.*`, no
 * `position_ids`; logits [batch, num_logits_to_keep, vocab]. The same seeded weights as the plain form
 * (generate-decoder.ts), so both give the same greedy tokens:
 *
 * - Gemma's norms (1 + w) become SimplifiedLayerNormalization with 1 + w folded into the weight;
 * - rotary happens inside GroupQueryAttention from cos/sin caches with one row per position up to
 *   max_position_embeddings; row p holds position p + 1, the 1-based positions transformers.js and Python feed
 *   the plain form (rotary attention sees only differences; the offset keeps the rounding the same too);
 * - sliding layers set `local_window_size` to sliding_window, as the real Gemma-3-4B export does (1024): in
 *   onnxruntime 1.30's CPU kernel a query then sees that many keys, itself included — Python's window (checked:
 *   prefill logits of both forms agree past the window only with this value, not with sliding_window − 1).
 */
import { pastKeyValueInputs, presentOutputs, silencedLmHead } from '../../attention.ts';
import {
  type GqaLengths,
  type RotaryCache,
  groupQueryAttentionNode,
  gqaLengths,
  keepLastPositions,
  rotaryCache,
  shiftedWeight,
  simplifiedRmsNorm,
} from '../../gqa.ts';
import type { Layers } from '../../nn.ts';
import { type Gemma3TextDims, isGlobalLayer } from './generate-dims.ts';

const PREFIX = 'model.language_model';
/** Gemma's norm weights are drawn near 0 and used as 1 + w (generate-decoder.ts's gemmaRmsNorm). */
const NORM_STD = 0.1;

export function buildGemma3GqaDecoder(
  nn: Layers,
  t: Gemma3TextDims,
  silentIds: readonly number[] = [],
): void {
  const g = nn.g;
  const embeds = g.input('inputs_embeds', 'float32', ['batch_size', 'sequence_length', t.hidden]);
  const attentionMask = g.input('attention_mask', 'int64', ['batch_size', 'total_sequence_length']);
  const keep = g.input('num_logits_to_keep', 'int64', []);
  const pasts = pastKeyValueInputs(g, t);
  const lengths = gqaLengths(g, embeds, attentionMask);
  const rows = t.maxPositions;
  const rotary = {
    global: rotaryCache(g, 'global', rows, t.headDim, {
      theta: t.ropeTheta,
      scaling: t.ropeScalingFactor,
      offset: 1,
    }),
    local: rotaryCache(g, 'local', rows, t.headDim, { theta: t.ropeLocalBaseFreq, offset: 1 }),
  };
  const norm = (x: string, name: string, dim = t.hidden) =>
    simplifiedRmsNorm(g, x, shiftedWeight(nn, `${name}.weight`, dim, NORM_STD, 1), t.rmsNormEps);

  let h = embeds;
  for (let i = 0; i < t.layers; i++) {
    const name = `${PREFIX}.layers.${i}`;
    const global = isGlobalLayer(t, i);
    const attended = attention(nn, norm(h, `${name}.input_layernorm`), `${name}.self_attn`, i, t, {
      rotary: global ? rotary.global : rotary.local,
      localWindow: global ? -1 : t.slidingWindow,
      lengths,
      past: pasts[i] as [string, string],
    });
    h = g.op('Add', [h, norm(attended, `${name}.post_attention_layernorm`)]);
    const x = norm(h, `${name}.pre_feedforward_layernorm`);
    const gate = nn.geluTanh(nn.linear(x, `${name}.mlp.gate_proj`, t.hidden, t.intermediate));
    const up = nn.linear(x, `${name}.mlp.up_proj`, t.hidden, t.intermediate);
    const down = nn.linear(g.op('Mul', [gate, up]), `${name}.mlp.down_proj`, t.intermediate, t.hidden);
    h = g.op('Add', [h, norm(down, `${name}.post_feedforward_layernorm`)]);
  }
  h = keepLastPositions(g, norm(h, `${PREFIX}.norm`), keep);
  silencedLmHead(nn, h, 'lm_head', t, silentIds, 'num_logits_to_keep');
  presentOutputs(g, t);
}

interface LayerInputs {
  rotary: RotaryCache;
  localWindow: number;
  lengths: GqaLengths;
  past: [string, string];
}

/** q/k/v projections, q_norm/k_norm per head (before the kernel's rotation), GroupQueryAttention, o_proj. */
function attention(nn: Layers, x: string, name: string, layer: number, t: Gemma3TextDims, io: LayerInputs) {
  const g = nn.g;
  const { hidden, headDim } = t;
  const headNorm = (y: string, n: number, norm: string) => {
    const perHead = g.op('Reshape', [y, g.i64([0, -1, headDim])]);
    const weight = shiftedWeight(nn, `${name}.${norm}.weight`, headDim, NORM_STD, 1);
    return g.op('Reshape', [
      simplifiedRmsNorm(g, perHead, weight, t.rmsNormEps),
      g.i64([0, -1, n * headDim]),
    ]);
  };
  const q = headNorm(nn.linear(x, `${name}.q_proj`, hidden, t.heads * headDim), t.heads, 'q_norm');
  const k = headNorm(nn.linear(x, `${name}.k_proj`, hidden, t.kvHeads * headDim), t.kvHeads, 'k_norm');
  const v = nn.linear(x, `${name}.v_proj`, hidden, t.kvHeads * headDim);
  const context = groupQueryAttentionNode(
    g,
    {
      q,
      k,
      v,
      past: io.past,
      present: [`present.${layer}.key`, `present.${layer}.value`],
      rotary: io.rotary,
      lengths: io.lengths,
      localWindow: io.localWindow,
      // Scores scaled by query_pre_attn_scalar^-0.5, not headDim^-0.5.
      scale: 1 / Math.sqrt(t.queryPreAttnScalar),
    },
    t,
  );
  return nn.linear(context, `${name}.o_proj`, t.heads * headDim, hidden);
}
