/**
 * The LFM2 hybrid decoder graph, computed like transformers' Lfm2Model with the ONNX export's names: each layer
 * is `operator_norm` → (gated short convolution | attention) + residual, then `ffn_norm` → SwiGLU + residual;
 * `embedding_norm` and the head close. A conv layer projects x to B, C, x̃ (`in_proj`), convolves B·x̃ causally
 * over its last L_cache inputs — the `past_conv.{i}` state [batch, hidden, L_cache] in, `present_conv.{i}` out —
 * and gates with C (`out_proj` after). An attention layer RMS-normalises each head's queries and keys
 * (`q_layernorm`, `k_layernorm`) before the rotary embedding and reads `past_key_values.{i}.key/value`.
 */
import {
  type Rotary,
  applyRotary,
  attentionBias,
  gatedMlp,
  groupedQueryAttention,
  rotaryTables,
  silencedLmHead,
} from '../../attention.ts';
import type { Layers } from '../../nn.ts';
import { int, ints } from '../../../runtime/graph-builder.ts';
import type { Lfm2TextDims } from './generate-dims.ts';

export const TEXT_PREFIX = 'model.language_model';

export function buildLfm2Decoder(nn: Layers, t: Lfm2TextDims, silentIds: readonly number[]): void {
  const g = nn.g;
  const embeds = g.input('inputs_embeds', 'float32', ['batch_size', 'sequence_length', t.hidden]);
  const attentionMask = g.input('attention_mask', 'int64', ['batch_size', 'total_sequence_length']);
  const positionIds = g.input('position_ids', 'int64', ['batch_size', 'sequence_length']);
  const kvDims = ['batch_size', t.kvHeads, 'past_sequence_length', t.headDim];
  const convDims = ['batch_size', t.hidden, t.convCache];
  const pasts = t.layerTypes.map((type, i) =>
    type === 'conv'
      ? [g.input(`past_conv.${i}`, 'float32', convDims)]
      : [
          g.input(`past_key_values.${i}.key`, 'float32', kvDims),
          g.input(`past_key_values.${i}.value`, 'float32', kvDims),
        ],
  );
  const rotary = rotaryTables(g, positionIds, t.headDim, t.ropeTheta);
  const bias = attentionBias(g, embeds, attentionMask);

  let h = embeds;
  t.layerTypes.forEach((type, i) => {
    const name = `${TEXT_PREFIX}.layers.${i}`;
    const x = nn.rmsNorm(h, `${name}.operator_norm`, t.hidden, t.normEps);
    const past = pasts[i] as string[];
    const mixed =
      type === 'conv'
        ? shortConv(nn, x, `${name}.conv`, i, t, past[0] as string)
        : attention(nn, x, `${name}.self_attn`, i, t, rotary, bias, past as [string, string]);
    h = g.op('Add', [h, mixed]);
    const y = nn.rmsNorm(h, `${name}.ffn_norm`, t.hidden, t.normEps);
    const mlp = {
      gate: `${name}.feed_forward.w1`,
      up: `${name}.feed_forward.w3`,
      down: `${name}.feed_forward.w2`,
    };
    h = g.op('Add', [h, gatedMlp(nn, y, mlp, t)]);
  });
  h = nn.rmsNorm(h, `${TEXT_PREFIX}.embedding_norm`, t.hidden, t.normEps);
  silencedLmHead(nn, h, 'lm_head', t, silentIds);
  t.layerTypes.forEach((type, i) => {
    if (type === 'conv') {
      g.output(`present_conv.${i}`, 'float32', convDims);
    } else {
      g.output(`present.${i}.key`, 'float32', ['batch_size', t.kvHeads, 'total_sequence_length', t.headDim]);
      g.output(`present.${i}.value`, 'float32', [
        'batch_size',
        t.kvHeads,
        'total_sequence_length',
        t.headDim,
      ]);
    }
  });
}

/**
 * Lfm2ShortConv: B, C, x̃ = in_proj(x); the state holds the last L_cache values of B·x̃ (zeros before the
 * first token), so the depthwise kernel over [state, new] without padding gives one output per new position
 * plus one for the state alone, which is dropped. The new state is the last L_cache columns.
 */
function shortConv(
  nn: Layers,
  x: string,
  name: string,
  layer: number,
  t: Lfm2TextDims,
  past: string,
): string {
  const g = nn.g;
  const H = t.hidden;
  const L = t.convCache;
  const bcx = g.op('Transpose', [nn.linear(x, `${name}.in_proj`, H, 3 * H)], { perm: ints([0, 2, 1]) });
  const [b, c, v] = g.node('Split', [bcx, g.i64([H, H, H])], { attrs: { axis: int(1) }, outputs: 3 }) as [
    string,
    string,
    string,
  ];
  const window = g.op('Concat', [past, g.op('Mul', [b, v])], { axis: int(2) });
  g.op(
    'Slice',
    [window, g.i64([-L]), g.i64([Number.MAX_SAFE_INTEGER]), g.i64([2])],
    undefined,
    `present_conv.${layer}`,
  );
  const kernel = nn.normal(`${name}.conv.weight`, [H, 1, L], 1 / Math.sqrt(L));
  const convolved = g.op('Conv', [window, kernel], { group: int(H), kernel_shape: ints([L]) });
  const outputs = g.op('Slice', [convolved, g.i64([1]), g.i64([Number.MAX_SAFE_INTEGER]), g.i64([2])]);
  const gated = g.op('Transpose', [g.op('Mul', [c, outputs])], { perm: ints([0, 2, 1]) });
  return nn.linear(gated, `${name}.out_proj`, H, H);
}

function attention(
  nn: Layers,
  x: string,
  name: string,
  layer: number,
  t: Lfm2TextDims,
  rotary: Rotary,
  bias: string,
  [pastKey, pastValue]: [string, string],
): string {
  const g = nn.g;
  const { hidden, heads, kvHeads, headDim } = t;
  // [B, S, n·d] → [B, S, n, d] (normalised per head where asked) → [B, n, S, d]
  const toHeads = (y: string, n: number, norm?: string) => {
    const split = g.op('Reshape', [y, g.i64([0, 0, n, headDim])]);
    const normed = norm ? nn.rmsNorm(split, norm, headDim, t.normEps) : split;
    return g.op('Transpose', [normed], { perm: ints([0, 2, 1, 3]) });
  };
  const q = applyRotary(
    g,
    toHeads(nn.linear(x, `${name}.q_proj`, hidden, heads * headDim), heads, `${name}.q_layernorm`),
    rotary,
    headDim,
  );
  const k = applyRotary(
    g,
    toHeads(nn.linear(x, `${name}.k_proj`, hidden, kvHeads * headDim), kvHeads, `${name}.k_layernorm`),
    rotary,
    headDim,
  );
  const v = toHeads(nn.linear(x, `${name}.v_proj`, hidden, kvHeads * headDim), kvHeads);
  const attentionHeads = { q, k, v, pastKey, pastValue, bias };
  return groupedQueryAttention(nn, attentionHeads, layer, t, 1 / Math.sqrt(headDim), `${name}.out_proj`);
}
