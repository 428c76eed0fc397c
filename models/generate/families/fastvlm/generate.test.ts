/**
 * The generated FastVLM folder: onnx-community's file layout and graph I/O, apple's llava_qwen2 config keys, and
 * a vision encoder in which every pixel reaches every image token.
 */
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testModelDir } from '../../../testing/test-models.ts';
import { fastVlmDims } from './generate-dims.ts';

let dir: string;
let vision: ort.InferenceSession;

beforeAll(async () => {
  dir = await testModelDir({ family: 'fastvlm' });
  vision = await ort.InferenceSession.create(join(dir, 'onnx', 'vision_encoder.onnx'));
});
afterAll(async () => {
  await vision?.release();
});

async function encode(pixels: Float32Array) {
  const out = await vision.run({ pixel_values: new ort.Tensor('float32', pixels, [1, 3, 256, 256]) });
  const features = out.image_features as ort.Tensor;
  return { dims: features.dims, data: features.data as Float32Array };
}

describe('generated FastVLM folder', () => {
  it('has the onnx-community layout and a llava_qwen2 config with Qwen2 keys at the top', async () => {
    expect((await readdir(join(dir, 'onnx'))).sort()).toEqual([
      'decoder_model_merged.onnx',
      'embed_tokens.onnx',
      'vision_encoder.onnx',
    ]);
    const config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'));
    expect(config).toMatchObject({
      model_type: 'llava_qwen2',
      architectures: ['LlavaQwen2ForCausalLM'],
      hidden_size: 64,
      num_key_value_heads: 2,
      image_token_index: 511, // last id: Qwen2's three specials, then <image>
      mm_hidden_size: 48,
    });
    const decoder = await readFile(join(dir, 'onnx', 'decoder_model_merged.onnx'));
    expect(decoder.includes('model.layers.0.self_attn.k_proj.bias')).toBe(true);
  });

  it('vision encoder: pixel_values [1, 3, 256, 256] → image_features [1, 16, 64]; one pixel moves every token', async () => {
    expect(vision.inputNames).toEqual(['pixel_values']);
    expect(vision.outputNames).toEqual(['image_features']);
    const pixels = Float32Array.from({ length: 3 * 256 * 256 }, (_, i) => ((i * 7919) % 255) / 255);
    const a = await encode(pixels);
    expect(a.dims).toEqual([1, 16, 64]);
    const changed = pixels.slice();
    changed[2 * 256 * 256 + 255 * 256 + 255] = 0.5; // the last pixel of the blue plane
    const b = await encode(changed);
    for (let token = 0; token < 16; token++) {
      const row = (x: Float32Array) => x.subarray(token * 64, (token + 1) * 64);
      expect(
        row(a.data).some((v, i) => Math.abs(v - (row(b.data)[i] as number)) > 1e-7),
        `token ${token}`,
      ).toBe(true);
    }
  });

  it('realistic keeps the interface numbers: 1024 px / 64 → 256 tokens, mm_hidden 3072, <image> 151646', () => {
    const dims = fastVlmDims('realistic');
    expect(dims.imageTokens).toBe(256);
    expect(dims.channels[2]).toBe(3072);
    expect(dims.tokenizerVocab - 1).toBe(151646); // ordinary tokens, Qwen2's three specials, then <image>
    expect(dims.text).toMatchObject({ vocabSize: 151936, qkvBias: true, maxPositions: 32768 });
  });
});
