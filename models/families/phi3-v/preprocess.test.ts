import { describe, expect, it } from 'vitest';
import type { TensorData } from '../../tensor.ts';
import { rgbImage } from '../llava/testing.ts';
import { pillowResize } from '../pillow-resample.ts';
import { OPENAI_CLIP_MEAN, OPENAI_CLIP_STD, readPhi3vConfig } from './config.ts';
import { hdGeometry, planPhi3v } from './plan.ts';
import { bicubicResize, preprocessPhi3v } from './preprocess.ts';
import { phi35, solidImage, transformersJs } from './testing.ts';
import type { DecodedImage } from '../../image/decode.ts';

const FRAME = 3 * 336 * 336;
const white = (c: number) => (1 - (OPENAI_CLIP_MEAN[c] as number)) / (OPENAI_CLIP_STD[c] as number);

async function ours(image: DecodedImage, detail: 'low' | 'high' = 'high', numCrops = 4) {
  const cfg = readPhi3vConfig(phi35({ preprocessor: { num_crops: numCrops } }));
  const feeds = await preprocessPhi3v(cfg, image, planPhi3v(cfg, image, detail));
  return feeds as { pixel_values: TensorData & { data: Float32Array }; image_sizes: TensorData };
}

const frame = (data: Float32Array, i: number) => data.subarray(i * FRAME, (i + 1) * FRAME);
const maxDiff = (a: Float32Array, b: Float32Array) =>
  a.reduce((m, v, i) => Math.max(m, Math.abs(v - (b[i] as number))), 0);

describe('Phi-3-vision pixel inputs', () => {
  it('shapes: [1, num_crops + 1, 3, 336, 336] and image_sizes [1, 2] = canvas (height, width); low = 1 crop', async () => {
    const image = rgbImage('gradient', 500, 300);
    const high = await ours(image);
    expect(high.pixel_values.dims).toEqual([1, 5, 3, 336, 336]);
    expect(high.image_sizes).toEqual({ type: 'int64', dims: [1, 2], data: BigInt64Array.of(672n, 672n) });
    const low = await ours(image, 'low');
    expect(low.pixel_values.dims).toEqual([1, 2, 3, 336, 336]);
    expect(Array.from(low.image_sizes.data as BigInt64Array)).toEqual([336n, 336n]);
  });

  it('equals transformers.js where nothing is resized and the crop grid is √n × √n: noise 672×672', async () => {
    const image = rgbImage('noise', 672, 672);
    const mine = await ours(image);
    const theirs = await transformersJs(image, phi35());
    expect(theirs.dims).toEqual([1, 5, 3, 336, 336]);
    // The crops are the same slices of the same normalised canvas.
    for (let i = 1; i < 5; i++)
      expect(maxDiff(frame(mine.pixel_values.data, i), frame(theirs.pixelValues, i))).toBe(0);
    // The global view: torch-style bicubic here, an ONNX cubic Resize there; the same kernel up to float rounding.
    expect(maxDiff(frame(mine.pixel_values.data, 0), frame(theirs.pixelValues, 0))).toBeLessThan(1e-4);
  });

  it('white 224×224 (P-1): normalised white; transformers.js darkens the far edge of its enlargement', async () => {
    const mine = (await ours(solidImage(224, 224, 255))).pixel_values.data;
    const theirs = await transformersJs(solidImage(224, 224, 255), phi35());
    for (let c = 0; c < 3; c++) {
      const plane = mine.subarray(c * 336 * 336, (c + 1) * 336 * 336);
      expect(plane.every((v) => Math.abs(v - white(c)) < 1e-5)).toBe(true);
    }
    // sharp's affine enlargement (transformers.js) samples past the last source pixel on the right and bottom:
    // the last two columns and rows of its 672 canvas are grey. Everything else is the same white.
    const inside = (i: number) => i % 336 < 334 && Math.floor(i / 336) % 336 < 334;
    for (let f = 1; f < 5; f++) {
      const a = frame(mine, f);
      const b = frame(theirs.pixelValues, f);
      expect(
        a.every((v, i) => !inside(i) || Math.abs(v - (b[i] as number)) < 1e-5),
        `frame ${f}`,
      ).toBe(true);
    }
    expect(maxDiff(frame(mine, 4), frame(theirs.pixelValues, 4))).toBeGreaterThan(1);
  });

  it('crops follow Python: exact 336-pixel tiles of the canvas and zero frames after them (not transformers.js)', async () => {
    // 1280×640 with 4 crops: a 672×336 canvas, two crops side by side, frames 3 and 4 zero.
    const image = rgbImage('gradient', 1280, 640);
    const data = (await ours(image)).pixel_values.data;
    const left = frame(data, 1);
    const right = frame(data, 2);
    // Red rises left to right: the right crop's first column continues the left crop's last one.
    expect((right[0] as number) - (left[335] as number)).toBeGreaterThan(0);
    expect((right[0] as number) - (left[335] as number)).toBeLessThan(0.05);
    expect(frame(data, 3).every((v) => v === 0) && frame(data, 4).every((v) => v === 0)).toBe(true);
    // transformers.js instead cuts the canvas into 2 × 2 slices of 336 × 168, each stretched to 336 × 336, so
    // its frame 1 is the top-left quarter: a different picture (vlm-formats §7.2, docs/preprocessing.md).
    const theirs = await transformersJs(image, phi35());
    expect(maxDiff(left, frame(theirs.pixelValues, 1))).toBeGreaterThan(0.5);
    expect(theirs.imageSizes).toEqual([336, 672]);
  });

  it('portrait pads left and right with white (Python transposes, pads, transposes back)', async () => {
    // 300×1000, 4 crops: the transpose scales to 1008 × 302, padded to 336 wide, 17 white columns each side.
    const data = (await ours(rgbImage('gradient', 300, 1000))).pixel_values.data;
    const crop = frame(data, 2);
    expect(crop[100 * 336 + 0]).toBeCloseTo(white(0), 5);
    expect(crop[100 * 336 + 16]).toBeCloseTo(white(0), 5);
    expect(crop[100 * 336 + 335]).toBeCloseTo(white(0), 5);
    expect(Math.abs((crop[100 * 336 + 17] as number) - white(0))).toBeGreaterThan(0.5);
  });

  it("the HD resize is Python's PIL BILINEAR: the Pillow port when enlarging, sharp within a level when shrinking", async () => {
    /** Largest and mean |level difference| of the top-left crop's image pixels against Pillow's resize. */
    const against = async (image: DecodedImage) => {
      const hd = hdGeometry(image, 4);
      const data = (await ours(image)).pixel_values.data;
      const reference = pillowResize(image, hd.resized, 'bilinear');
      let max = 0;
      let sum = 0;
      let count = 0;
      for (let y = hd.content.top; y < Math.min(336, hd.content.top + hd.resized.height); y++) {
        for (let x = 0; x < 336; x++) {
          for (let c = 0; c < 3; c++) {
            const value = data[FRAME + c * 336 * 336 + y * 336 + x] as number;
            const level = (value * (OPENAI_CLIP_STD[c] as number) + (OPENAI_CLIP_MEAN[c] as number)) * 255;
            const d = Math.abs(
              level - (reference.data[((y - hd.content.top) * hd.resized.width + x) * 3 + c] as number),
            );
            max = Math.max(max, d);
            sum += d;
            count++;
          }
        }
      }
      return { max, mean: sum / count };
    };
    expect((await against(rgbImage('noise', 500, 300))).max).toBeLessThan(0.01);
    expect((await against(rgbImage('gradient', 1600, 1000))).max).toBeLessThanOrEqual(1.01);
    // Noise is all edges: 12 levels at worst, 0.25 on average measured.
    expect((await against(rgbImage('noise', 1600, 1000))).mean).toBeLessThan(0.5);
  });

  it("bicubicResize is torch's: identity at equal size, constants kept, half-pixel centres", () => {
    const planes = Float32Array.from({ length: 3 * 8 * 6 }, (_, i) => Math.sin(i));
    expect(maxDiff(bicubicResize(planes, 8, 6, 8, 6), planes)).toBeLessThan(1e-6);
    expect(
      bicubicResize(new Float32Array(3 * 16).fill(0.7), 4, 4, 3, 5).every((v) => Math.abs(v - 0.7) < 1e-6),
    ).toBe(true);
    // 4 → 2 on a ramp 0,1,2,3: source x 0.5 and 2.5, taps clamped at the edges.
    const ramp = new Float32Array(12);
    for (let c = 0; c < 3; c++) ramp.set([0, 1, 2, 3], c * 4);
    const out = bicubicResize(ramp, 4, 1, 2, 1);
    // At 0.5: taps x −1(→0), 0, 1, 2 with weights −0.09375, 0.59375, 0.59375, −0.09375.
    expect(out[0]).toBeCloseTo(-0.09375 * 0 + 0.59375 * 0 + 0.59375 * 1 - 0.09375 * 2, 6);
    expect(out[1]).toBeCloseTo(-0.09375 * 1 + 0.59375 * 2 + 0.59375 * 3 - 0.09375 * 3, 6);
  });

  it('refuses a plan made for another image', async () => {
    const cfg = readPhi3vConfig(phi35());
    const p = planPhi3v(cfg, { width: 100, height: 100 }, 'high');
    await expect(preprocessPhi3v(cfg, solidImage(120, 100, 1), p)).rejects.toThrow(/does not belong/);
  });
});
