import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { DecodedImage } from '../../image/decode.ts';
import { pillowResize } from '../pillow-resample.ts';
import { readGemma3Config } from './config.ts';
import { planGemma3 } from './plan.ts';
import { preprocessGemma3 } from './preprocess.ts';
import { gemma3_4b } from './testing.ts';

/** A 56-pixel Gemma 3 (4 × 4 patches pooled to 2 × 2) with pan-and-scan crops of at least 20 pixels. */
const cfg = readGemma3Config(
  gemma3_4b({
    config: { mm_tokens_per_image: 4, vision_config: { image_size: 56, patch_size: 14 } },
    preprocessor: { size: { height: 56, width: 56 }, pan_and_scan_min_crop_size: 20 },
    processor: { image_seq_length: 4 },
  }),
);

function noise(width: number, height: number, seed: number): DecodedImage {
  const data = new Uint8Array(width * height * 3);
  let s = seed;
  for (let i = 0; i < data.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    data[i] = s >>> 24;
  }
  return { width, height, channels: 3, data };
}

async function pixelsOf(image: DecodedImage, detail: 'low' | 'high') {
  const out = (await preprocessGemma3(cfg, image, planGemma3(cfg, image, detail))).pixel_values;
  if (out?.type !== 'float32') throw new Error('no float pixel_values');
  return out;
}

const normalised = (v: number) => (Math.fround(v / 255) - 0.5) / 0.5;

describe('preprocessGemma3', () => {
  it('an image already at the view size is only rescaled and normalised, channels first', async () => {
    const image = noise(56, 56, 3);
    const { dims, data } = await pixelsOf(image, 'low');
    expect(dims).toEqual([1, 3, 56, 56]);
    const plane = 56 * 56;
    for (const i of [0, 1, 57, plane - 1]) {
      for (let c = 0; c < 3; c++) {
        expect(data[c * plane + i]).toBeCloseTo(normalised(image.data[i * 3 + c] as number), 6);
      }
    }
  });

  it('squeezes any aspect to the square with Pillow bilinear (Python resizes the uint8 image with PIL)', async () => {
    const image = noise(90, 40, 4);
    const { data } = await pixelsOf(image, 'low');
    const expected = pillowResize(image, { width: 56, height: 56 }, 'bilinear').data;
    expect(data[0]).toBeCloseTo(normalised(expected[0] as number), 6);
    expect(data[2 * 56 * 56 + 100]).toBeCloseTo(normalised(expected[100 * 3 + 2] as number), 6);
  });

  it('high: [whole image, crops…], each crop the same as that part of the image processed alone', async () => {
    const image = noise(120, 40, 5);
    const { dims, data } = await pixelsOf(image, 'high');
    // 3:1, crops of 40 × 40 (≥ 20): the whole image and three crops.
    expect(dims).toEqual([4, 3, 56, 56]);
    const view = 3 * 56 * 56;
    const low = await pixelsOf(image, 'low');
    expect(Array.from(data.subarray(0, view))).toEqual(Array.from(low.data));
    for (let k = 0; k < 3; k++) {
      // The crop cut out independently (sharp extract), then processed as an image of its own.
      const { data: raw, info } = await sharp(image.data, { raw: { width: 120, height: 40, channels: 3 } })
        .extract({ left: 40 * k, top: 0, width: 40, height: 40 })
        .raw()
        .toBuffer({ resolveWithObject: true });
      const crop: DecodedImage = {
        width: info.width,
        height: info.height,
        channels: 3,
        data: new Uint8Array(raw),
      };
      const alone = await pixelsOf(crop, 'low');
      expect(Array.from(data.subarray((k + 1) * view, (k + 2) * view))).toEqual(Array.from(alone.data));
    }
  });

  it('refuses a plan made for another image', async () => {
    const plan = planGemma3(cfg, { width: 30, height: 30 }, 'low');
    await expect(preprocessGemma3(cfg, noise(31, 30, 1), plan)).rejects.toThrow(/does not belong/);
  });
});
