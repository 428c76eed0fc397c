/** LLaVA-OneVision pixel tensors: view order, crops cut from the padded canvas, zero padding, Pillow enlargement. */
import { describe, expect, it } from 'vitest';
import type { DecodedImage } from '../../image/decode.ts';
import { pillowResize } from '../pillow-resample.ts';
import { readOnevisionConfig } from './config.ts';
import { planOnevision } from './plan.ts';
import { preprocessOnevision } from './preprocess.ts';
import { onevision05b, pinpointsOf } from './testing.ts';

const tiny = readOnevisionConfig(
  onevision05b({
    config: { image_grid_pinpoints: pinpointsOf(56), vision_config: { image_size: 56, patch_size: 14 } },
    preprocessor: { image_grid_pinpoints: pinpointsOf(56), size: { height: 56, width: 56 } },
    processor: { num_image_tokens: 16 },
  }),
);

function noise(width: number, height: number): DecodedImage {
  const data = new Uint8Array(width * height * 3);
  let seed = 7;
  for (let i = 0; i < data.length; i++) data[i] = (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
  return { width, height, channels: 3, data };
}

/** Channel c of view n at (x, y), back to a uint8 level (mean 0.5, std 0.5). */
const level = (t: Float32Array, n: number, c: number, x: number, y: number) =>
  Math.round(((t[((n * 3 + c) * 56 + y) * 56 + x] as number) * 0.5 + 0.5) * 255);

async function run(image: DecodedImage, detail: 'low' | 'high') {
  const plan = planOnevision(tiny, image, detail);
  const out = (await preprocessOnevision(tiny, image, plan)).pixel_values;
  if (!out) throw new Error('no pixel_values');
  return { plan, dims: out.dims, data: out.data as Float32Array };
}

describe('LLaVA-OneVision preprocessing', () => {
  it('high: base view first, then the crops row by row, cut from the image where it needs no resize', async () => {
    const image = noise(112, 56); // best pinpoint 112 × 56: two crops, the image itself
    const { dims, data } = await run(image, 'high');
    expect(dims).toEqual([3, 3, 56, 56]);
    for (const [n, x0] of [
      [1, 0],
      [2, 56],
    ] as const) {
      for (const [x, y] of [
        [0, 0],
        [55, 55],
        [13, 40],
      ] as const) {
        for (let c = 0; c < 3; c++)
          expect(level(data, n, c, x, y)).toBe(image.data[(y * 112 + x0 + x) * 3 + c]);
      }
    }
  });

  it('pads with uint8 0 where the resized image does not fill the pinpoint (pasted at the centre)', async () => {
    const image = noise(112, 40); // 112 × 40 pasted at y = 8 in 112 × 56
    const { data } = await run(image, 'high');
    expect(level(data, 1, 0, 10, 7)).toBe(0);
    expect(level(data, 1, 0, 10, 48)).toBe(0);
    expect(level(data, 1, 1, 10, 8)).toBe(image.data[1 + 10 * 3]);
    expect(level(data, 2, 2, 0, 47)).toBe(image.data[(39 * 112 + 56) * 3 + 2]);
  });

  it('low: the base view alone, the image squashed to 56 × 56 (enlarged with the Pillow port)', async () => {
    const image = noise(30, 20);
    const { dims, data } = await run(image, 'low');
    expect(dims).toEqual([1, 3, 56, 56]);
    const python = pillowResize(image, { width: 56, height: 56 }, 'bicubic');
    for (const [x, y] of [
      [0, 0],
      [30, 17],
      [55, 55],
    ] as const) {
      expect(level(data, 0, 0, x, y)).toBe(python.data[(y * 56 + x) * 3]);
    }
  });

  it('refuses a plan made for another image', async () => {
    const plan = planOnevision(tiny, { width: 10, height: 10 }, 'low');
    await expect(preprocessOnevision(tiny, noise(20, 10), plan)).rejects.toThrow(/does not belong/);
  });
});
