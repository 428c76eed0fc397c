/**
 * The generated LLaVA-OneVision folder: the onnx-community file layout and graph I/O names, llava-hf's JSON keys,
 * Qwen2's token layout, and graphs in which every input changes the output.
 */
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFloat32, toOrt } from '../../../runtime/onnx.ts';
import { testModelDir } from '../../../testing/test-models.ts';
import { onevisionDims } from './generate-dims.ts';

let dir: string;
let vision: ort.InferenceSession;
let decoder: ort.InferenceSession;

beforeAll(async () => {
  dir = await testModelDir({ family: 'llava-onevision' });
  vision = await ort.InferenceSession.create(join(dir, 'onnx', 'vision_encoder.onnx'));
  decoder = await ort.InferenceSession.create(join(dir, 'onnx', 'decoder_model_merged.onnx'));
});
afterAll(async () => {
  await vision?.release();
  await decoder?.release();
});

const json = async (name: string) => JSON.parse(await readFile(join(dir, name), 'utf8'));

async function encode(pixels: Float32Array, views: number) {
  const out = await vision.run({
    pixel_values: toOrt({ type: 'float32', dims: [views, 3, 56, 56], data: pixels }),
  });
  const features = out.image_features;
  if (!features) throw new Error('no image_features');
  return { dims: features.dims, data: readFloat32(features) };
}

const seeded = (n: number, seed: number) => {
  let s = seed;
  return Float32Array.from({ length: n }, () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1);
};
const differs = (a: Float32Array, b: Float32Array) => a.some((v, i) => Math.abs(v - (b[i] as number)) > 1e-6);

describe('generated LLaVA-OneVision folder', () => {
  it('has the onnx-community layout and llava-hf keys', async () => {
    expect((await readdir(join(dir, 'onnx'))).sort()).toEqual([
      'decoder_model_merged.onnx',
      'embed_tokens.onnx',
      'vision_encoder.onnx',
    ]);
    const config = await json('config.json');
    expect(config).toMatchObject({
      model_type: 'llava_onevision',
      vision_aspect_ratio: 'anyres_max_9',
      vision_feature_select_strategy: 'full',
      text_config: { model_type: 'qwen2' },
    });
    const tokenizer = await json('tokenizer_config.json');
    const ids = Object.fromEntries(
      Object.entries(tokenizer.added_tokens_decoder as Record<string, { content: string }>).map(([id, t]) => [
        t.content,
        Number(id),
      ]),
    );
    // Qwen2's order: ordinary tokens, <|endoftext|> <|im_start|> <|im_end|>, then <image> <video>.
    expect(ids).toEqual({
      '<|endoftext|>': 507,
      '<|im_start|>': 508,
      '<|im_end|>': 509,
      '<image>': 510,
      '<video>': 511,
    });
    expect(config.image_token_index).toBe(510);
  });

  it('vision encoder: pixel_values [views, 3, 56, 56] → image_features [views · 16 + 1, 64], newline last', async () => {
    expect(vision.inputNames).toEqual(['pixel_values']);
    expect(vision.outputNames).toEqual(['image_features']);
    const pixels = seeded(2 * 3 * 56 * 56, 1);
    const a = await encode(pixels, 2);
    expect(a.dims).toEqual([33, 64]);
    // Each view's pixels change only that view's rows; the newline row is a weight, the same for any image.
    const changed = pixels.slice();
    changed[3 * 56 * 56 + 100] = (changed[3 * 56 * 56 + 100] as number) + 1;
    const b = await encode(changed, 2);
    expect(differs(a.data.subarray(0, 16 * 64), b.data.subarray(0, 16 * 64))).toBe(false);
    expect(differs(a.data.subarray(16 * 64, 32 * 64), b.data.subarray(16 * 64, 32 * 64))).toBe(true);
    expect(differs(a.data.subarray(32 * 64), b.data.subarray(32 * 64))).toBe(false);
    const one = await encode(pixels.subarray(0, 3 * 56 * 56), 1);
    expect(Array.from(one.data.subarray(16 * 64))).toEqual(Array.from(a.data.subarray(32 * 64)));
  });

  it('decoder: Qwen2 grouped-query attention (4 heads, 2 kv) with q/k/v biases; every input changes logits', async () => {
    expect(decoder.inputNames).toEqual([
      'inputs_embeds',
      'attention_mask',
      'position_ids',
      'past_key_values.0.key',
      'past_key_values.0.value',
      'past_key_values.1.key',
      'past_key_values.1.value',
    ]);
    const run = async (embeds: Float32Array, positions: bigint[], mask: bigint[], past: Float32Array) => {
      const kv = (data: Float32Array) => toOrt({ type: 'float32', dims: [1, 2, 1, 16], data });
      const out = await decoder.run({
        inputs_embeds: toOrt({ type: 'float32', dims: [1, 2, 64], data: embeds }),
        attention_mask: toOrt({ type: 'int64', dims: [1, 3], data: BigInt64Array.from(mask) }),
        position_ids: toOrt({ type: 'int64', dims: [1, 2], data: BigInt64Array.from(positions) }),
        'past_key_values.0.key': kv(past),
        'past_key_values.0.value': kv(past),
        'past_key_values.1.key': kv(past),
        'past_key_values.1.value': kv(past),
      });
      expect(out['present.0.key']?.dims).toEqual([1, 2, 3, 16]);
      return readFloat32(out.logits as never);
    };
    const graph = await readFile(join(dir, 'onnx', 'decoder_model_merged.onnx'));
    for (const proj of ['q', 'k', 'v', 'o'])
      expect(graph.includes(`model.language_model.layers.1.self_attn.${proj}_proj.bias`), proj).toBe(
        proj !== 'o',
      );
    const embeds = seeded(128, 3);
    const past = seeded(32, 4);
    const base = await run(embeds, [1n, 2n], [1n, 1n, 1n], past);
    expect(differs(base, await run(seeded(128, 5), [1n, 2n], [1n, 1n, 1n], past))).toBe(true);
    expect(differs(base, await run(embeds, [3n, 4n], [1n, 1n, 1n], past))).toBe(true);
    expect(differs(base, await run(embeds, [1n, 2n], [0n, 1n, 1n], past))).toBe(true);
    expect(differs(base, await run(embeds, [1n, 2n], [1n, 1n, 1n], seeded(32, 6)))).toBe(true);
  });

  it('realistic keeps the interface numbers: 384 / 14 → 729 rows a view, pinpoints 384…2304, <image> 151646', () => {
    const dims = onevisionDims('realistic');
    expect(dims.viewTokens).toBe(729);
    expect(dims.pinpoints).toHaveLength(36);
    expect(dims.pinpoints.at(-1)).toEqual([2304, 2304]);
    // Ordinary tokens 0…151642, then <|endoftext|> <|im_start|> <|im_end|> <image> <video>.
    expect(dims.tokenizerVocab - 2).toBe(151646);
    expect(dims.text).toMatchObject({
      vocabSize: 152000,
      heads: 7,
      kvHeads: 1,
      qkvBias: true,
      maxPositions: 32768,
    });
  });
});
