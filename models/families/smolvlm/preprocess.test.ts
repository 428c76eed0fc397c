/** The Python algorithm, checked against an independent step-by-step sharp reference (no transformers.js here). */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { isTesseraError } from '../../errors.ts';
import type { DecodedImage } from '../../image/decode.ts';
import { smolvlmEngine } from './engine.ts';
import { frame, makeImage, maxAbsDiff, offGridShare, smolvlm256m, type Pattern } from './testing.ts';

interface Raw {
  data: Uint8Array;
  width: number;
  height: number;
}

async function lanczos(image: Raw, width: number, height: number): Promise<Raw> {
  if (image.width === width && image.height === height) return image;
  const { data, info } = await sharp(image.data, {
    raw: { width: image.width, height: image.height, channels: 3 },
  })
    .resize({ width, height, fit: 'fill', kernel: 'lanczos3' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** sharp extract + the textbook formula, one pixel at a time: slow and obvious. */
async function referenceFrame(image: Raw, x: number, y: number, m: number): Promise<Float32Array> {
  const crop = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .extract({ left: x, top: y, width: m, height: m })
    .raw()
    .toBuffer();
  const out = new Float32Array(3 * m * m);
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < m * m; i++) out[c * m * m + i] = ((crop[i * 3 + c] as number) / 255 - 0.5) / 0.5;
  }
  return out;
}

const model = smolvlmEngine.bind(smolvlm256m());
const M = 512;

async function run(image: DecodedImage, detail: 'low' | 'high' = 'high') {
  const plan = model.planImage(image, detail);
  const { pixel_values: pixels, pixel_attention_mask: mask } = await model.preprocess(image, plan);
  if (!pixels || !mask) throw new Error('missing feeds');
  return { plan, pixels, mask };
}

describe('preprocess (Python algorithm)', () => {
  it('1920×1080 screenshot: 12 tiles row-major then the global view, each equal to the sharp reference', async () => {
    const image = await makeImage('screenshot', 1920, 1080);
    const { pixels, mask } = await run(image);
    expect(pixels.type).toBe('float32');
    expect(pixels.dims).toEqual([1, 13, 3, M, M]);
    expect(mask.type).toBe('bool');
    expect(mask.dims).toEqual([1, 13, M, M]);
    expect(mask.data.every((v) => v === 1)).toBe(true);

    // Python: step 1 to 2048×1152 (LANCZOS, uint8), resize_for_vision_encoder to 2048×1536, crop, global view.
    const whole = await lanczos(await lanczos(image, 2048, 1152), 2048, 1536);
    const data = pixels.data as Float32Array;
    for (let r = 0; r < 3; r++) {
      for (let c = 0; c < 4; c++) {
        const expected = await referenceFrame(whole, c * M, r * M, M);
        expect(maxAbsDiff(frame(data, r * 4 + c, M), expected), `tile ${r},${c}`).toBeLessThan(1e-6);
      }
    }
    const globalView = await referenceFrame(await lanczos(whole, M, M), 0, 0, M);
    expect(maxAbsDiff(frame(data, 12, M), globalView)).toBeLessThan(1e-6);
  });

  it('low detail: step 1, then straight to 512×512, one frame', async () => {
    const image = await makeImage('noise', 640, 480);
    const { pixels, mask } = await run(image, 'low');
    expect(pixels.dims).toEqual([1, 1, 3, M, M]);
    expect(mask.dims).toEqual([1, 1, M, M]);
    const expected = await referenceFrame(await lanczos(await lanczos(image, 2048, 1536), M, M), 0, 0, M);
    expect(maxAbsDiff(pixels.data as Float32Array, expected)).toBeLessThan(1e-6);
  });

  const shapes: [Pattern, number, number][] = [
    ['gradient', 224, 224],
    ['noise', 1600, 1067],
    ['gradient', 480, 640],
    ['noise', 3, 500],
    ['gradient', 1, 1],
  ];
  it.each(shapes)(
    '%s %i×%i: every frame is a resized uint8 image (values on the 1/255 grid)',
    async (p, w, h) => {
      const image = await makeImage(p, w, h);
      const { plan, pixels } = await run(image);
      expect(pixels.dims).toEqual([1, plan.tiles.length + 1, 3, M, M]);
      expect(offGridShare(pixels.data as Float32Array)).toBe(0);
    },
  );

  it('a solid colour stays that colour in every frame', async () => {
    const rgb = [255, 0, 51];
    const raw = new Uint8Array(640 * 480 * 3).map((_, i) => rgb[i % 3] ?? 0);
    const { pixels } = await run({ width: 640, height: 480, channels: 3, data: raw });
    const data = pixels.data as Float32Array;
    const plane = M * M;
    for (let f = 0; f < 13; f++) {
      for (let c = 0; c < 3; c++) {
        const values = new Set(data.subarray((f * 3 + c) * plane, (f * 3 + c + 1) * plane));
        expect([...values]).toEqual([Math.fround(((rgb[c] ?? 0) / 255 - 0.5) / 0.5)]);
      }
    }
  });

  it('do_rescale and do_normalize false leave raw 0…255 values', async () => {
    const small = smolvlmEngine.bind(
      smolvlm256m({
        preprocessor: {
          size: { longest_edge: 8 },
          max_image_size: { longest_edge: 8 },
          do_rescale: false,
          do_normalize: false,
        },
      }),
    );
    const image: DecodedImage = { width: 8, height: 8, channels: 3, data: new Uint8Array(192).fill(200) };
    const feeds = await small.preprocess(image, small.planImage(image, 'high'));
    expect(feeds.pixel_values?.dims).toEqual([1, 1, 3, 8, 8]);
    expect(new Set(feeds.pixel_values?.data as Float32Array)).toEqual(new Set([200]));
  });

  it('refuses a plan made for another image size', async () => {
    const image = await makeImage('gradient', 64, 32);
    const plan = model.planImage({ width: 32, height: 64 }, 'high');
    const error = await model.preprocess(image, plan).catch((e: unknown) => e);
    expect(isTesseraError(error) && error.code).toBe('INTERNAL');
  });
});
