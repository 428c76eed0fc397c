import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../random.ts';
import { testModelDir } from '../../../testing/test-models.ts';
import { gemma3Dims } from './generate-dims.ts';
import { maxAbsDiff } from '../../../families/gemma3/testing.ts';

const dims = gemma3Dims('tiny');
const M = dims.vision.imageSize;
const VIEW = 3 * M * M;
const TOKENS = dims.tokensPerView;
const T = dims.text.hidden;
let session: ort.InferenceSession;

beforeAll(async () => {
  session = await ort.InferenceSession.create(
    join(await testModelDir({ family: 'gemma3' }), 'onnx', 'vision_encoder.onnx'),
  );
});

const randomPixels = (views: number, seed: number) =>
  new Rng(seed).fillUniform(new Float32Array(views * VIEW), -1, 1);

async function encode(pixels: Float32Array, views: number, s = session) {
  const out = await s.run({ pixel_values: new ort.Tensor('float32', pixels, [views, 3, M, M]) });
  const features = out['image_features'] as ort.Tensor;
  return { dims: features.dims, data: features.data as Float32Array };
}

describe('generated Gemma 3 vision encoder', () => {
  it('gives mm_tokens_per_image rows per view (16 × 16 patches pooled 4 × 4) at the text width, unit scale', async () => {
    const { dims: shape, data } = await encode(randomPixels(1, 1), 1);
    expect(shape).toEqual([1, TOKENS, T]);
    const rms = Math.sqrt(data.reduce((s, v) => s + v * v, 0) / data.length);
    expect(rms).toBeGreaterThan(0.3);
    expect(rms).toBeLessThan(3);
  });

  it('depends on every pixel: one value in the first or the last patch changes the features', async () => {
    const pixels = randomPixels(1, 2);
    const base = (await encode(pixels, 1)).data;
    for (const at of [0, VIEW - 1]) {
      const changed = pixels.slice();
      changed[at] = (changed[at] as number) + 0.5;
      expect(maxAbsDiff(base, (await encode(changed, 1)).data)).toBeGreaterThan(1e-4);
    }
  });

  it('encodes each view of a batch on its own (a pan-and-scan image is one batch)', async () => {
    const a = randomPixels(1, 3);
    const b = randomPixels(1, 4);
    const both = new Float32Array(2 * VIEW);
    both.set(a, 0);
    both.set(b, VIEW);
    const together = (await encode(both, 2)).data;
    expect(maxAbsDiff(together.subarray(0, TOKENS * T), (await encode(a, 1)).data)).toBeLessThan(1e-5);
    expect(maxAbsDiff(together.subarray(TOKENS * T), (await encode(b, 1)).data)).toBeLessThan(1e-5);
  });

  it('q4 is the same model quantised: features agree closely but not exactly', async () => {
    const q4 = await ort.InferenceSession.create(
      join(await testModelDir({ family: 'gemma3', dtype: 'q4' }), 'onnx', 'vision_encoder_q4.onnx'),
    );
    const pixels = randomPixels(1, 5);
    const diff = maxAbsDiff((await encode(pixels, 1)).data, (await encode(pixels, 1, q4)).data);
    expect(diff).toBeGreaterThan(0);
    expect(diff).toBeLessThan(1);
  });
});
