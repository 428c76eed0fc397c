/**
 * Tessera against transformers.js's CLIPImageProcessor (4.3.1) on the same RGB pixels, with Python's result
 * (Pillow port, testing.ts) as the judge. Where neither resizes, the three are equal; where transformers.js's
 * resize departs from Pillow, Tessera follows Python and the test pins both sides. docs/preprocessing.md explains
 * each case. Differences are in levels of 255 (1 level ≈ 0.0146 after normalisation).
 */
import { CLIPImageProcessor, RawImage } from '@huggingface/transformers';
import { describe, expect, it } from 'vitest';
import type { DecodedImage } from '../../image/decode.ts';
import { llavaEngine } from './engine.ts';
import { resizedSize } from './plan.ts';
import {
  llava15,
  maxAbsDiff,
  meanAbsDiff,
  pythonPixels,
  rgbImage,
  toLevels,
  transformersJs,
} from './testing.ts';

const CROP = { width: 336, height: 336 };

async function three(image: DecodedImage, json = llava15()) {
  const model = llavaEngine.bind(json);
  const ours = (await model.preprocess(image, model.planImage(image, 'high'))).pixel_values
    ?.data as Float32Array;
  const js = await transformersJs(image, json);
  const python = pythonPixels(image, resizedSize(image, { shortestEdge: 336 }), CROP);
  return { ours, js, oursLevels: toLevels(ours, CROP), jsLevels: toLevels(js.pixelValues, CROP), python };
}

describe('parity: no resize (short side already 336), only the center crop', () => {
  it.each([
    [336, 336],
    [336, 500],
    [500, 336],
    [337, 336],
  ])('%i×%i noise: the tensors are equal', async (w, h) => {
    const { ours, js, python, oursLevels } = await three(rgbImage('noise', w, h));
    expect(js.dims).toEqual([1, 3, 336, 336]);
    expect(maxAbsDiff(ours, js.pixelValues)).toBe(0);
    expect(maxAbsDiff(oursLevels, python)).toBe(0);
  });
});

describe('departures: Tessera follows Python', () => {
  it('reduction: Pillow filters (antialiases); transformers.js samples with a 4×4 bicubic affine', async () => {
    // Noise is the worst case. 672×672 is an exact 2× reduction.
    for (const [w, h, jsMean] of [
      [640, 480, 20],
      [672, 672, 40],
    ] as const) {
      const { oursLevels, jsLevels, python } = await three(rgbImage('noise', w, h));
      expect(meanAbsDiff(oursLevels, python), `${w}×${h} Tessera`).toBeLessThan(0.5);
      expect(meanAbsDiff(jsLevels, python), `${w}×${h} transformers.js`).toBeGreaterThan(jsMean);
    }
    // On smooth content the two are close: a 1920×1080 gradient is within one level everywhere.
    const smooth = await three(rgbImage('gradient', 1920, 1080));
    expect(maxAbsDiff(smooth.oursLevels, smooth.jsLevels)).toBeLessThanOrEqual(1);
    expect(maxAbsDiff(smooth.ours, smooth.js.pixelValues)).toBeLessThan(0.016);
  });

  it("enlargement: Pillow's sampling grid; transformers.js's affine is offset and reads past the last column", async () => {
    const noise = await three(rgbImage('noise', 224, 224));
    expect(maxAbsDiff(noise.oursLevels, noise.python)).toBe(0);
    expect(meanAbsDiff(noise.jsLevels, noise.python)).toBeGreaterThan(15);
    const gradient = await three(rgbImage('gradient', 224, 224));
    expect(maxAbsDiff(gradient.oursLevels, gradient.python)).toBe(0);
    // Top-right pixel: red is 255 in the image; transformers.js's last column blends in black from outside it.
    expect([gradient.python[335 * 3], gradient.jsLevels[335 * 3]]).toEqual([255, 181]);
  });

  it("short side: Python's int(336 · 374 / 205) = 612; transformers.js rounds 612.995 to 613 first", async () => {
    const image = rgbImage('gradient', 205, 374);
    const processor = new CLIPImageProcessor(llava15().preprocessorConfig);
    const raw = new RawImage(new Uint8ClampedArray(image.data), 205, 374, 3);
    expect(processor.get_resize_output_image_size(raw, processor.size)).toEqual([336, 613]);
    expect(llavaEngine.bind(llava15()).planImage(image, 'high').resized).toEqual({ width: 336, height: 612 });
    const { oursLevels, jsLevels, python } = await three(image);
    expect(maxAbsDiff(oursLevels, python)).toBe(0);
    expect(maxAbsDiff(jsLevels, python)).toBeGreaterThan(1);
  });

  it('padding: Python centres a small image at ceil((crop − size) / 2), transformers.js at floor', async () => {
    // Without do_resize, a 100×301 image in the 336×336 crop: Python row 18 (35 / 2 rounded up), JS row 17.
    const json = llava15({ preprocessor: { do_resize: false } });
    const image = rgbImage('noise', 100, 301);
    const model = llavaEngine.bind(json);
    const ours = toLevels(
      (await model.preprocess(image, model.planImage(image, 'high'))).pixel_values?.data as Float32Array,
      CROP,
    );
    const js = toLevels((await transformersJs(image, json)).pixelValues, CROP);
    const first = Array.from(image.data.subarray(0, 3));
    const at = (levels: Uint8Array, x: number, y: number) =>
      Array.from(levels.subarray((y * 336 + x) * 3, (y * 336 + x) * 3 + 3));
    expect(at(ours, 118, 18)).toEqual(first);
    expect(at(js, 118, 17)).toEqual(first);
  });
});
