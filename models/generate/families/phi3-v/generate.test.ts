/**
 * The generated Phi-3.5-vision folder: the onnx-community file layout and graph I/O names transformers.js's
 * Phi3VForCausalLM uses, and graphs in which every input changes the output.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { float32 as f32, int64, outputChange } from '../../../testing/tensors.ts';
import { testModelDir } from '../../../testing/test-models.ts';
import { phi3vDims } from './generate-dims.ts';

const dims = phi3vDims('tiny');
const H = dims.text.hidden;
const M = 336;
let dir: string;
let vision: ort.InferenceSession;
let embeds: ort.InferenceSession;
let model: ort.InferenceSession;

beforeAll(async () => {
  dir = await testModelDir({ family: 'phi3-v' });
  const open = (name: string) => ort.InferenceSession.create(join(dir, 'onnx', `${name}.onnx`));
  [vision, embeds, model] = await Promise.all([
    open('vision_encoder'),
    open('prepare_inputs_embeds'),
    open('model'),
  ]);
});

const values = (t: ort.Tensor | undefined) => t?.data as Float32Array;

function pixels(frames: number, seed: number): Float32Array {
  const out = new Float32Array(frames * 3 * M * M);
  let s = seed;
  for (let i = 0; i < out.length; i++) out[i] = ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1;
  return out;
}

async function encode(data: Float32Array, frames: number, size: [number, number]) {
  const out = await vision.run({
    pixel_values: f32(data, [1, frames, 3, M, M]),
    image_sizes: int64(size, [1, 2]),
  });
  return out.image_features as ort.Tensor;
}

describe('generated Phi-3.5-vision folder', () => {
  it('has the onnx-community layout and transformers.js graph names', () => {
    expect(readdirSync(join(dir, 'onnx')).sort()).toEqual([
      'model.onnx',
      'prepare_inputs_embeds.onnx',
      'vision_encoder.onnx',
    ]);
    expect(readdirSync(dir)).toEqual(
      expect.arrayContaining([
        'config.json',
        'preprocessor_config.json',
        'tokenizer.json',
        'chat_template.json',
      ]),
    );
    expect([vision.inputNames, vision.outputNames]).toEqual([
      ['pixel_values', 'image_sizes'],
      ['image_features'],
    ]);
    expect([embeds.inputNames, embeds.outputNames]).toEqual([
      ['input_ids', 'image_features'],
      ['inputs_embeds'],
    ]);
    const pasts = Array.from({ length: dims.text.layers }, (_, i) => [
      `past_key_values.${i}.key`,
      `past_key_values.${i}.value`,
    ]).flat();
    expect(model.inputNames).toEqual(['inputs_embeds', 'attention_mask', 'position_ids', ...pasts]);
    expect(model.outputNames).toEqual([
      'logits',
      ...pasts.map((n) => n.replace('past_key_values', 'present')),
    ]);
  });

  it('vision_encoder: (h·w + 1)·144 + 1 + (h + 1)·12 rows, from image_sizes', async () => {
    const data = pixels(5, 1);
    expect((await encode(data, 5, [672, 672])).dims).toEqual([757, H]);
    expect((await encode(data, 5, [336, 672])).dims).toEqual([457, H]);
    expect((await encode(data, 5, [672, 336])).dims).toEqual([469, H]); // 2 rows: 3 · 144 + 1 + 3 · 12
    expect((await encode(data.subarray(0, 2 * 3 * M * M), 2, [336, 336])).dims).toEqual([313, H]);
  });

  it('vision_encoder: the global view, every used crop and image_sizes change the features', async () => {
    const base = values(await encode(pixels(5, 1), 5, [336, 672]));
    const FRAME = 3 * M * M;
    for (const f of [0, 1, 2]) {
      const changed = pixels(5, 1);
      changed[f * FRAME + 1000] = (changed[f * FRAME + 1000] as number) + 1;
      expect(outputChange(values(await encode(changed, 5, [336, 672])), base), `frame ${f}`).toBeGreaterThan(
        1e-4,
      );
    }
    // The same two crops laid out 2 × 1 instead of 1 × 2.
    expect(outputChange(values(await encode(pixels(5, 1), 5, [672, 336])), base)).toBeGreaterThan(1e-3);
  });

  it('prepare_inputs_embeds: token rows for ids ≥ 0, image_features rows in order where ids are negative', async () => {
    const run = async (ids: number[], features: Float32Array) =>
      values(
        (
          await embeds.run({
            input_ids: int64(ids, [1, ids.length]),
            image_features: f32(features, [features.length / H, H]),
          })
        ).inputs_embeds,
      );
    const text = await run([5, 6, 7, 8], new Float32Array(0));
    expect(text.length).toBe(4 * H);
    expect(outputChange(text.subarray(0, H), text.subarray(H, 2 * H))).toBeGreaterThan(0.1);
    const features = Float32Array.from({ length: 2 * H }, (_, i) => i / 10);
    const mixed = await run([5, -32044, -32044, 8], features);
    expect(Array.from(mixed.subarray(H, 3 * H))).toEqual(Array.from(features));
    expect(Array.from(mixed.subarray(0, H))).toEqual(Array.from(text.subarray(0, H)));
    expect(Array.from(mixed.subarray(3 * H))).toEqual(Array.from(text.subarray(3 * H)));
    // A positive id is looked up like any token: Tessera embeds `<|image|>` this way and scatters itself.
    expect(outputChange(await run([5, 1, 7, 8], new Float32Array(0)), text)).toBeGreaterThan(0.1);
  });

  it('model: inputs_embeds, attention_mask, position_ids and the past all change the logits', async () => {
    const L = dims.text.layers;
    const KV = dims.text.kvHeads;
    const D = dims.text.headDim;
    const emb = Float32Array.from({ length: 3 * H }, (_, i) => Math.sin(i));
    const past = (fill: number) =>
      Object.fromEntries(
        Array.from({ length: L }, (_, i) => [
          [`past_key_values.${i}.key`, f32(new Float32Array(KV * 2 * D).fill(fill), [1, KV, 2, D])],
          [`past_key_values.${i}.value`, f32(new Float32Array(KV * 2 * D).fill(fill), [1, KV, 2, D])],
        ]).flat(),
      );
    const run = async (o: { emb?: Float32Array; mask?: number[]; pos?: number[]; fill?: number } = {}) =>
      values(
        (
          await model.run({
            inputs_embeds: f32(o.emb ?? emb, [1, 3, H]),
            attention_mask: int64(o.mask ?? [1, 1, 1, 1, 1], [1, 5]),
            position_ids: int64(o.pos ?? [2, 3, 4], [1, 3]),
            ...past(o.fill ?? 0.3),
          })
        ).logits,
      );
    const base = await run();
    const changedEmb = emb.slice();
    changedEmb[5] = (changedEmb[5] as number) + 1;
    expect(outputChange(await run({ emb: changedEmb }), base)).toBeGreaterThan(1e-4);
    expect(outputChange(await run({ mask: [0, 1, 1, 1, 1] }), base)).toBeGreaterThan(1e-4);
    expect(outputChange(await run({ pos: [3, 4, 5] }), base)).toBeGreaterThan(1e-4);
    expect(outputChange(await run({ fill: -0.2 }), base)).toBeGreaterThan(1e-4);
  });
});
