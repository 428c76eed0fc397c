/**
 * Gemma 3's language-model graphs with transformers.js's names. `embed_tokens` holds Gemma3TextScaledWordEmbedding:
 * the table lookup times sqrt(hidden), so image features (scattered in afterwards) are not scaled, as in Python.
 * `decoder_model_merged`: per layer, RMSNorm with (1 + w) before and after attention and MLP, q/k RMSNorm per head,
 * rotary positions from position_ids (global layers: rope_theta with linear scaling; sliding layers: the local
 * base), scores scaled by query_pre_attn_scalar^-0.5 with no softcapping, sliding layers seeing only the last
 * `sliding_window` positions, a gelu-tanh gated MLP; then the final norm and lm_head. Keys and values of every
 * layer are kept in full, so the cache is the plain past_key_values.* the runtime feeds.
 */
import {
  type Rotary,
  applyRotary,
  gatedMlp,
  groupedQueryAttention,
  pastKeyValueInputs,
  presentOutputs,
  rotaryTables,
  silencedLmHead,
  splitHeads,
} from '../../attention.ts';
import type { Layers } from '../../nn.ts';
import { int, onnxTypeCode } from '../../../runtime/graph-builder.ts';
import { type Gemma3TextDims, isGlobalLayer } from './generate-dims.ts';

const PREFIX = 'model.language_model';
const MASKED = -1e9;

export function buildGemma3EmbedTokens(nn: Layers, t: Gemma3TextDims): void {
  const g = nn.g;
  const ids = g.input('input_ids', 'int64', ['batch_size', 'sequence_length']);
  // Drawn at 1/sqrt(hidden) so the scaled rows have unit variance, like the image features.
  const table = nn.normal(`${PREFIX}.embed_tokens.weight`, [t.vocabSize, t.hidden], 1 / Math.sqrt(t.hidden));
  const rows = g.op('Gather', [table, ids], { axis: int(0) });
  g.op('Mul', [rows, g.f32(Math.fround(Math.sqrt(t.hidden)))], undefined, 'inputs_embeds');
  g.output('inputs_embeds', 'float32', ['batch_size', 'sequence_length', t.hidden]);
}

/** Gemma's RMSNorm: x / sqrt(mean(x²) + eps) · (1 + w), w near 0. */
export function gemmaRmsNorm(nn: Layers, x: string, name: string, dim: number, eps: number): string {
  const g = nn.g;
  const scale = g.op('Add', [nn.normal(`${name}.weight`, [dim], 0.1), g.f32(1)]);
  return g.op('Mul', [nn.rmsNormalized(x, eps), scale]);
}

/** `silentIds`: tokens whose lm_head column is zeroed, so greedy decoding writes text, not markers. */
export function buildGemma3Decoder(nn: Layers, t: Gemma3TextDims, silentIds: readonly number[] = []): void {
  const g = nn.g;
  const embeds = g.input('inputs_embeds', 'float32', ['batch_size', 'sequence_length', t.hidden]);
  const attentionMask = g.input('attention_mask', 'int64', ['batch_size', 'total_sequence_length']);
  const positionIds = g.input('position_ids', 'int64', ['batch_size', 'sequence_length']);
  const pasts = pastKeyValueInputs(g, t);

  const globalRotary = rotaryTables(g, positionIds, t.headDim, t.ropeTheta, t.ropeScalingFactor);
  const localRotary = rotaryTables(g, positionIds, t.headDim, t.ropeLocalBaseFreq, 1);
  const { causal, sliding } = attentionBiases(nn, embeds, attentionMask, t.slidingWindow);

  let h = embeds;
  for (let i = 0; i < t.layers; i++) {
    const name = `${PREFIX}.layers.${i}`;
    const global = isGlobalLayer(t, i);
    const norm = (x: string, n: string) => gemmaRmsNorm(nn, x, `${name}.${n}`, t.hidden, t.rmsNormEps);
    const attended = attention(nn, norm(h, 'input_layernorm'), `${name}.self_attn`, i, t, {
      rotary: global ? globalRotary : localRotary,
      bias: global ? causal : sliding,
      past: pasts[i] as [string, string],
    });
    h = g.op('Add', [h, norm(attended, 'post_attention_layernorm')]);
    const x = norm(h, 'pre_feedforward_layernorm');
    const mlp = { gate: `${name}.mlp.gate_proj`, up: `${name}.mlp.up_proj`, down: `${name}.mlp.down_proj` };
    const down = gatedMlp(nn, x, mlp, t, (y) => nn.geluTanh(y));
    h = g.op('Add', [h, norm(down, 'post_feedforward_layernorm')]);
  }
  h = gemmaRmsNorm(nn, h, `${PREFIX}.norm`, t.hidden, t.rmsNormEps);
  silencedLmHead(nn, h, 'lm_head', t, silentIds);
  presentOutputs(g, t);
}

/**
 * Additive biases [B, 1, 1, S, T] for the grouped scores. Query i sits at absolute index past + i; key j is seen
 * when j ≤ past + i and attention_mask[b, j] is 1 (`causal`), and in sliding layers also when
 * past + i − j < window (`sliding`).
 */
function attentionBiases(nn: Layers, embeds: string, attentionMask: string, window: number) {
  const g = nn.g;
  const scalar = (v: number) => g.constant('int64', [], [v]);
  const dim = (x: string, axis: number) =>
    g.op('Gather', [g.op('Shape', [x]), scalar(axis)], { axis: int(0) });
  const newLength = dim(embeds, 1);
  const totalLength = dim(attentionMask, 1);
  const queries = g.op('Unsqueeze', [
    g.op('Range', [g.op('Sub', [totalLength, newLength]), totalLength, scalar(1)]),
    g.i64([1]),
  ]);
  const keys = g.op('Range', [scalar(0), totalLength, scalar(1)]);
  const notPadding = g.op('Unsqueeze', [
    g.op('Cast', [attentionMask], { to: int(onnxTypeCode('bool')) }),
    g.i64([1, 2]),
  ]);
  const causalAllowed = g.op('And', [g.op('LessOrEqual', [keys, queries]), notPadding]);
  const inWindow = g.op('Less', [g.op('Sub', [queries, keys]), scalar(window)]);
  const toBias = (allowed: string) =>
    g.op('Unsqueeze', [g.op('Where', [allowed, g.f32(0), g.f32(MASKED)]), g.i64([1])]);
  return { causal: toBias(causalAllowed), sliding: toBias(g.op('And', [causalAllowed, inWindow])) };
}

interface AttentionInputs {
  rotary: Rotary;
  bias: string;
  past: [string, string];
}

function attention(
  nn: Layers,
  x: string,
  name: string,
  layer: number,
  t: Gemma3TextDims,
  io: AttentionInputs,
) {
  const g = nn.g;
  const { hidden, headDim } = t;
  // q_norm / k_norm act on each head's vector, before the rotation.
  const project = (proj: string, n: number) =>
    applyRotary(
      g,
      gemmaRmsNorm(
        nn,
        splitHeads(g, nn.linear(x, `${name}.${proj}_proj`, hidden, n * headDim), n, headDim),
        `${name}.${proj}_norm`,
        headDim,
        t.rmsNormEps,
      ),
      io.rotary,
      headDim,
    );
  const q = project('q', t.heads);
  const k = project('k', t.kvHeads);
  const v = splitHeads(g, nn.linear(x, `${name}.v_proj`, hidden, t.kvHeads * headDim), t.kvHeads, headDim);
  const [pastKey, pastValue] = io.past;
  const heads = { q, k, v, pastKey, pastValue, bias: io.bias };
  // Scores scaled by query_pre_attn_scalar^-0.5, not headDim^-0.5.
  return groupedQueryAttention(nn, heads, layer, t, 1 / Math.sqrt(t.queryPreAttnScalar), `${name}.o_proj`);
}
