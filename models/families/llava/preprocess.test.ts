/**
 * Tessera's LLaVA pixels against Python's algorithm: Pillow BICUBIC resize (the port in pillow-resample.ts),
 * center crop, rescale and normalise. Enlargements run the port itself, so they are equal; reductions run in
 * sharp, whose kernel reduction is close to Pillow's but not bit-identical — the tolerance below is measured.
 */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { Size } from '../../../app/tile-plan.ts';
import type { DecodedImage } from '../../image/decode.ts';
import { pillowResize } from '../pillow-resample.ts';
import { resize } from '../pixels.ts';
import { OPENAI_CLIP_MEAN, OPENAI_CLIP_STD } from './config.ts';
import { llavaEngine } from './engine.ts';
import { resizedSize } from './plan.ts';
import { llava15, maxAbsDiff, meanAbsDiff, pythonPixels, rgbImage, toLevels } from './testing.ts';

const CROP = { width: 336, height: 336 };

async function tessera(image: DecodedImage, json = llava15()) {
  const model = llavaEngine.bind(json);
  const feeds = await model.preprocess(image, model.planImage(image, 'high'));
  return feeds.pixel_values as { dims: readonly number[]; data: Float32Array };
}

/** Tessera's pixels and Python's, both as uint8 levels. */
async function againstPython(image: DecodedImage) {
  const ours = toLevels((await tessera(image)).data, CROP);
  const python = pythonPixels(image, resizedSize(image, { shortestEdge: 336 }), CROP);
  return { max: maxAbsDiff(ours, python), mean: meanAbsDiff(ours, python) };
}

describe('the Pillow port', () => {
  const row = (values: number[]): DecodedImage => ({
    width: values.length,
    height: 1,
    channels: 3,
    data: Uint8Array.from(values.flatMap((v) => [v, v, v])),
  });

  it('computes the values worked out by hand from Resample.c', () => {
    // 8 → 12, output 1: centre 1.5 · 8/12 = 1, taps at input 0, 1, 2 with weights 0.5625, 0.5625, −0.0625,
    // normalised by 1.0625: 10 · 0.529 + 200 · 0.529 − 30 · 0.0588 = 109.4 → 109. Output 0 undershoots to −2.5 → 0.
    const out = pillowResize(row([10, 200, 30, 250, 0, 128, 90, 60]), { width: 12, height: 1 }, 'bicubic');
    expect([out.data[0], out.data[3]]).toEqual([0, 109]);
    // 4 → 2, the filter stretched ×2: output 0 has centre 1 and reads inputs 0…3 at distances −0.25, 0.25, 0.75,
    // 1.25 → weights 0.8672, 0.8672, 0.2266, −0.0703 (sum 1.8906): (86.72 + 45.31 − 17.93) / 1.8906 = 60.35 → 60.
    const down = pillowResize(row([0, 100, 200, 255]), { width: 2, height: 1 }, 'bicubic');
    expect(down.data[0]).toBe(60);
  });

  it('keeps a flat image flat, and a region equals the same part of the full resize', () => {
    const flat: DecodedImage = {
      width: 37,
      height: 23,
      channels: 3,
      data: new Uint8Array(37 * 23 * 3).fill(77),
    };
    for (const filter of ['bilinear', 'bicubic', 'lanczos'] as const) {
      for (const size of [
        { width: 80, height: 50 },
        { width: 11, height: 7 },
      ]) {
        expect(new Set(pillowResize(flat, size, filter).data), filter).toEqual(new Set([77]));
      }
    }
    // Bilinear 2 → 4: output centres 0.25, 0.75, 1.25, 1.75 in input pixels; taps past the edges are dropped.
    expect(
      Array.from(
        pillowResize(row([0, 200]), { width: 4, height: 1 }, 'bilinear').data.filter((_, i) => i % 3 === 0),
      ),
    ).toEqual([0, 50, 150, 200]);
    const noise = rgbImage('noise', 90, 70);
    for (const [size, region] of [
      [
        { width: 200, height: 150 },
        { left: 31, top: 17, width: 100, height: 90 },
      ],
      [
        { width: 40, height: 31 },
        { left: 3, top: 0, width: 31, height: 31 },
      ],
      [
        { width: 90, height: 200 },
        { left: 10, top: 50, width: 60, height: 60 },
      ],
    ] as const) {
      const full = pillowResize(noise, size, 'bicubic');
      const part = pillowResize(noise, size, 'bicubic', region);
      expect(Array.from(part.data)).toEqual(Array.from(cropOf(full.data, size, region)));
    }
  });
});

function cropOf(
  data: Uint8Array,
  size: Size,
  r: { left: number; top: number; width: number; height: number },
) {
  const out = new Uint8Array(r.width * r.height * 3);
  for (let y = 0; y < r.height; y++) {
    const from = ((r.top + y) * size.width + r.left) * 3;
    out.set(data.subarray(from, from + r.width * 3), y * r.width * 3);
  }
  return out;
}

describe('preprocessLlava', () => {
  it('gives pixel_values [1, 3, 336, 336], planar RGB, normalised with the OpenAI CLIP mean and std', async () => {
    const image = rgbImage('noise', 336, 500);
    const { dims, data } = await tessera(image);
    expect(dims).toEqual([1, 3, 336, 336]);
    // No resize (short side 336): the crop starts at row 82; pixel (x 5, y 7) is original (5, 89).
    const plane = 336 * 336;
    for (let c = 0; c < 3; c++) {
      const level = image.data[(89 * 336 + 5) * 3 + c] as number;
      const expected =
        (Math.fround(level / 255) - (OPENAI_CLIP_MEAN[c] as number)) / (OPENAI_CLIP_STD[c] as number);
      expect(data[c * plane + 7 * 336 + 5]).toBe(Math.fround(expected));
    }
  });

  it('zero-pads like Python where the crop is larger than the image, offsets (orig − crop) // 2', async () => {
    const image = rgbImage('noise', 100, 301);
    const { data } = await tessera(image, llava15({ preprocessor: { do_resize: false } }));
    const levels = toLevels(data, CROP);
    const at = (x: number, y: number) =>
      Array.from(levels.subarray((y * 336 + x) * 3, (y * 336 + x) * 3 + 3));
    expect(at(117, 100)).toEqual([0, 0, 0]); // left of the image
    expect(at(118, 18)).toEqual(Array.from(image.data.subarray(0, 3))); // its first pixel
    expect(at(118, 17)).toEqual([0, 0, 0]); // above it
    expect(at(217, 318)).toEqual(
      Array.from(image.data.subarray((300 * 100 + 99) * 3, (300 * 100 + 99) * 3 + 3)),
    );
    expect(at(218, 318)).toEqual([0, 0, 0]);
  });

  it('enlargements run the Pillow port: equal to Python', async () => {
    for (const [pattern, w, h] of [
      ['noise', 224, 224],
      ['noise', 200, 120],
      ['gradient', 90, 300],
    ] as const) {
      expect(await againstPython(rgbImage(pattern, w, h)), `${pattern} ${w}×${h}`).toEqual({
        max: 0,
        mean: 0,
      });
    }
  });

  it('reductions run in sharp: within 1 level of Pillow on smooth images, a few levels on noise', async () => {
    // Measured (levels of 255): gradients ≤ 1; noise 640×480 max 10 / mean 0.38, 1920×1080 max 8 / mean 0.19,
    // 337×500 (a 0.3 % reduction) max 23 / mean 0.70. Noise is the worst case: every pixel is an edge.
    for (const [w, h] of [
      [640, 480],
      [1920, 1080],
      [350, 1000],
    ] as const) {
      const { max } = await againstPython(rgbImage('gradient', w, h));
      expect(max, `gradient ${w}×${h}`).toBeLessThanOrEqual(1);
    }
    for (const [w, h] of [
      [640, 480],
      [1920, 1080],
      [337, 500],
    ] as const) {
      const { max, mean } = await againstPython(rgbImage('noise', w, h));
      expect(max, `noise ${w}×${h}`).toBeLessThanOrEqual(25);
      expect(mean, `noise ${w}×${h}`).toBeLessThan(1);
    }
  });

  it('a crop of a sharp resize equals the same part of the full resize', async () => {
    const image = rgbImage('noise', 640, 480);
    const size = { width: 448, height: 336 };
    const region = { left: 56, top: 0, width: 336, height: 336 };
    const part = await resize(image, size, 'cubic', region);
    const full = await sharp(image.data, { raw: { width: 640, height: 480, channels: 3 } })
      .resize({ width: 448, height: 336, fit: 'fill', kernel: 'cubic' })
      .raw()
      .toBuffer();
    expect(Buffer.from(part.data).equals(Buffer.from(cropOf(new Uint8Array(full), size, region)))).toBe(true);
  });

  it('handles a 1×5000 sliver without making the 336 × 1 680 000 resize', async () => {
    const image = rgbImage('gradient', 1, 5000);
    const started = performance.now();
    const { dims, data } = await tessera(image);
    expect(dims).toEqual([1, 3, 336, 336]);
    expect(data.every(Number.isFinite)).toBe(true);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});
