import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../random.ts';
import { maxAbsDiff } from '../../../testing/tensors.ts';
import { type TestModelOptions, testModelDir } from '../../../testing/test-models.ts';
import { llavaDims } from './generate-dims.ts';

const dims = llavaDims('tiny');
const M = dims.vision.imageSize;
const IMAGE = 3 * M * M;
const ROWS = dims.imageTokens;
const T = dims.text.hidden;
const LLAVA: TestModelOptions = { family: 'llava' };
let session: ort.InferenceSession;

beforeAll(async () => {
  session = await ort.InferenceSession.create(join(await testModelDir(LLAVA), 'onnx', 'vision_encoder.onnx'));
});

const randomPixels = (images: number, seed: number) =>
  new Rng(seed).fillUniform(new Float32Array(images * IMAGE), -1.8, 2.1);

async function encode(pixels: Float32Array, images: number, s = session) {
  const out = await s.run({ pixel_values: new ort.Tensor('float32', pixels, [images, 3, M, M]) });
  const features = out['image_features'] as ort.Tensor;
  return { dims: features.dims, data: features.data as Float32Array };
}

describe('generated LLaVA vision encoder', () => {
  it('gives one row per patch (the CLS row dropped) at the text hidden size, at a sane scale', async () => {
    expect(ROWS).toBe((M / dims.vision.patchSize) ** 2);
    const { dims: shape, data } = await encode(randomPixels(2, 1), 2);
    expect(shape).toEqual([2, ROWS, T]);
    expect(data.every(Number.isFinite)).toBe(true);
    const std = Math.sqrt(data.reduce((s, v) => s + v * v, 0) / data.length);
    expect(std).toBeGreaterThan(0.2);
    expect(std).toBeLessThan(5);
  });

  it('depends on every pixel: one value in the first or the last patch changes the features', async () => {
    const pixels = randomPixels(1, 2);
    const base = await encode(pixels, 1);
    for (const index of [0, IMAGE - 1, M * M + 20 * M + 33]) {
      const changed = pixels.slice();
      changed[index] = (changed[index] as number) + 0.5;
      const after = await encode(changed, 1);
      expect(maxAbsDiff(base.data, after.data), `pixel ${index}`).toBeGreaterThan(1e-4);
    }
  });

  it('encodes each image of a batch on its own', async () => {
    const a = randomPixels(1, 3);
    const b = randomPixels(1, 4);
    const both = new Float32Array(2 * IMAGE);
    both.set(a, 0);
    both.set(b, IMAGE);
    const out = await encode(both, 2);
    const per = ROWS * T;
    expect(maxAbsDiff(out.data.subarray(0, per), (await encode(a, 1)).data)).toBeLessThan(1e-5);
    expect(maxAbsDiff(out.data.subarray(per), (await encode(b, 1)).data)).toBeLessThan(1e-5);
  });

  it('runs the CLIP layers up to vision_feature_layer −2 only: the last layer has no weights in the graph', async () => {
    const bytes = await readFile(join(await testModelDir(LLAVA), 'onnx', 'vision_encoder.onnx'));
    const model = onnxProto.onnx.ModelProto.decode(bytes);
    const layers = new Set(
      (model.graph?.initializer ?? [])
        .map((t) => /encoder\.layers\.(\d+)\./.exec(t.name ?? '')?.[1])
        .filter((n): n is string => n !== undefined),
    );
    expect(dims.vision.layers).toBe(3);
    expect([...layers].sort()).toEqual(['0', '1']);
    const names = (model.graph?.initializer ?? []).map((t) => t.name);
    expect(names).toContain('model.vision_tower.vision_model.pre_layrnorm.weight');
    expect(names).toContain('model.multi_modal_projector.linear_2.bias');
    expect(names.some((n) => n?.includes('post_layernorm'))).toBe(false);
  });

  it('q4 is the same model quantised: features agree closely but not exactly', async () => {
    const q4 = await ort.InferenceSession.create(
      join(await testModelDir({ ...LLAVA, dtype: 'q4' }), 'onnx', 'vision_encoder_q4.onnx'),
    );
    const pixels = randomPixels(1, 5);
    const a = (await encode(pixels, 1)).data;
    const b = (await encode(pixels, 1, q4)).data;
    let dot = 0;
    let na = 0;
    let nb = 0;
    for (let i = 0; i < a.length; i++) {
      dot += (a[i] as number) * (b[i] as number);
      na += (a[i] as number) ** 2;
      nb += (b[i] as number) ** 2;
    }
    const cosine = dot / Math.sqrt(na * nb);
    expect(cosine).toBeGreaterThan(0.9);
    expect(cosine).toBeLessThan(1);
  });
});
