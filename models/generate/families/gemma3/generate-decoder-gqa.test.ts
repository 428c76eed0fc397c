/**
 * The GQA-form Gemma 3 decoder (generate-decoder-gqa.ts): the real export's inputs and outputs and one fused
 * GroupQueryAttention per layer, and the same numbers as the plain form on the same seeded weights — across the
 * sliding window, with a cache, and with num_logits_to_keep.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeModel } from '../../index.ts';
import { testModelDir } from '../../../testing/test-models.ts';
import { maxAbsDiff } from '../../../families/gemma3/testing.ts';
import { gemma3Dims, isGlobalLayer } from './generate-dims.ts';

const { onnx } = onnxProto;
const t = gemma3Dims('tiny').text;
const T = 40; // longer than the tiny window (24)
/** Measured 3.2e-6 between the forms (fused vs spelled-out norms and attention round differently). */
const TOLERANCE = 1e-4;

type Feeds = Record<string, ort.Tensor>;
const decoderPath = (dir: string) => join(dir, 'onnx', 'decoder_model_merged.onnx');

function embeds(count: number, from = 0): ort.Tensor {
  const data = new Float32Array(count * t.hidden).map((_, i) => Math.sin((i + from * t.hidden) * 0.37) * 1.3);
  return new ort.Tensor('float32', data, [1, count, t.hidden]);
}

function emptyCache(): Feeds {
  const feeds: Feeds = {};
  for (let i = 0; i < t.layers; i++) {
    for (const kind of ['key', 'value']) {
      feeds[`past_key_values.${i}.${kind}`] = new ort.Tensor('float32', new Float32Array(0), [
        1,
        t.kvHeads,
        0,
        t.headDim,
      ]);
    }
  }
  return feeds;
}

const cacheOf = (outputs: Feeds): Feeds =>
  Object.fromEntries(
    Object.entries(outputs)
      .filter(([name]) => name.startsWith('present.'))
      .map(([name, tensor]) => [name.replace('present.', 'past_key_values.'), tensor]),
  );

const mask = (total: number) => new ort.Tensor('int64', new BigInt64Array(total).fill(1n), [1, total]);
const keep = (n: number) => new ort.Tensor('int64', BigInt64Array.of(BigInt(n)), []);
/** The plain form's 1-based positions (transformers.js and Python feed Gemma 3 so). */
const positions = (from: number, count: number) =>
  new ort.Tensor(
    'int64',
    BigInt64Array.from({ length: count }, (_, i) => BigInt(from + i + 1)),
    [1, count],
  );

describe('the GQA-form Gemma 3 decoder', () => {
  let plain: ort.InferenceSession;
  let gqa: ort.InferenceSession;
  let graph: InstanceType<typeof onnx.GraphProto>;

  beforeAll(async () => {
    const gqaDir = await testModelDir({ family: 'gemma3', attention: 'gqa' });
    plain = await ort.InferenceSession.create(decoderPath(await testModelDir({ family: 'gemma3' })));
    gqa = await ort.InferenceSession.create(decoderPath(gqaDir));
    graph = onnx.ModelProto.decode(readFileSync(decoderPath(gqaDir))).graph as typeof graph;
  });

  it("has the real export's inputs and outputs: no position_ids, a scalar num_logits_to_keep, BNSH cache", () => {
    const dims = (v: onnxProto.onnx.IValueInfoProto) =>
      (v.type?.tensorType?.shape?.dim ?? []).map((d) => d.dimParam || Number(d.dimValue));
    const inputs = Object.fromEntries(graph.input.map((v) => [v.name, dims(v)]));
    expect(Object.keys(inputs).slice(0, 3)).toEqual([
      'inputs_embeds',
      'attention_mask',
      'num_logits_to_keep',
    ]);
    expect(inputs).not.toHaveProperty('position_ids');
    expect(inputs.num_logits_to_keep).toEqual([]);
    expect(inputs['past_key_values.0.key']).toEqual([
      'batch_size',
      t.kvHeads,
      'past_sequence_length',
      t.headDim,
    ]);
    const outputs = Object.fromEntries(graph.output.map((v) => [v.name, dims(v)]));
    expect(outputs.logits).toEqual(['batch_size', 'num_logits_to_keep', t.vocabSize]);
    expect(outputs['present.5.value']).toEqual(['batch_size', t.kvHeads, 'total_sequence_length', t.headDim]);
  });

  it('one GroupQueryAttention per layer with in-graph rotary, the window on sliding layers only', () => {
    const nodes = graph.node.filter((n) => n.opType === 'GroupQueryAttention');
    expect(nodes).toHaveLength(t.layers);
    expect(graph.node.some((n) => n.opType === 'Softmax')).toBe(false);
    const attr = (n: (typeof nodes)[number], name: string) => n.attribute?.find((a) => a.name === name);
    nodes.forEach((node, layer) => {
      expect(node.domain).toBe('com.microsoft');
      expect(Number(attr(node, 'num_heads')?.i)).toBe(t.heads);
      expect(Number(attr(node, 'kv_num_heads')?.i)).toBe(t.kvHeads);
      expect(Number(attr(node, 'do_rotary')?.i)).toBe(1);
      expect(Number(attr(node, 'rotary_interleaved')?.i)).toBe(0);
      expect(attr(node, 'scale')?.f).toBeCloseTo(1 / Math.sqrt(t.queryPreAttnScalar), 7);
      const global = isGlobalLayer(t, layer);
      expect(Number(attr(node, 'local_window_size')?.i)).toBe(global ? -1 : t.slidingWindow);
      expect(node.input?.[7]).toBe(global ? 'cos_cache_global' : 'cos_cache_local');
      expect(node.input?.[9]).toBe(''); // no position_ids: the kernel counts positions from seqlens_k
      expect(node.output?.slice(1)).toEqual([`present.${layer}.key`, `present.${layer}.value`]);
    });
    const cos = graph.initializer.find((i) => i.name === 'cos_cache_local');
    expect(cos?.dims?.map(Number)).toEqual([t.maxPositions, t.headDim / 2]);
  });

  it('gives the plain form’s logits at every position of a prefill longer than the sliding window', async () => {
    const common = { inputs_embeds: embeds(T), attention_mask: mask(T), ...emptyCache() };
    const a = (await plain.run({ ...common, position_ids: positions(0, T) })).logits?.data as Float32Array;
    const b = (await gqa.run({ ...common, num_logits_to_keep: keep(0) })).logits?.data as Float32Array;
    expect(b.length).toBe(T * t.vocabSize);
    expect(maxAbsDiff(a, b)).toBeLessThan(TOLERANCE);
  });

  it('decodes on its cache like the plain form, and num_logits_to_keep 1 returns the last position only', async () => {
    const first = { inputs_embeds: embeds(T), attention_mask: mask(T), ...emptyCache() };
    const plainPrefill = await plain.run({ ...first, position_ids: positions(0, T) });
    const gqaPrefill = await gqa.run({ ...first, num_logits_to_keep: keep(1) });
    const V = t.vocabSize;
    expect(gqaPrefill.logits?.dims).toEqual([1, 1, V]);
    const lastPlain = (plainPrefill.logits?.data as Float32Array).subarray((T - 1) * V);
    expect(maxAbsDiff(lastPlain, gqaPrefill.logits?.data as Float32Array)).toBeLessThan(TOLERANCE);
    // Three new positions after the cached ones, then one more: the subsequent-prompt and decode paths.
    let plainCache = cacheOf(plainPrefill);
    let gqaCache = cacheOf(gqaPrefill);
    let total = T;
    for (const count of [3, 1]) {
      const next = { inputs_embeds: embeds(count, total), attention_mask: mask(total + count) };
      const p = await plain.run({ ...next, ...plainCache, position_ids: positions(total, count) });
      const q = await gqa.run({ ...next, ...gqaCache, num_logits_to_keep: keep(count) });
      expect(q['present.0.key']?.dims).toEqual([1, t.kvHeads, total + count, t.headDim]);
      expect(maxAbsDiff(p.logits?.data as Float32Array, q.logits?.data as Float32Array)).toBeLessThan(
        TOLERANCE,
      );
      [plainCache, gqaCache, total] = [cacheOf(p), cacheOf(q), total + count];
    }
  });

  it('is refused for a family without a GQA-form builder', async () => {
    await expect(
      makeModel({
        family: 'smolvlm',
        size: 'tiny',
        dtype: 'fp32',
        seed: 1,
        outDir: '/nonexistent/x',
        attention: 'gqa',
      }),
    ).rejects.toThrow(/no GQA-form decoder for 'smolvlm'/);
  });
});
