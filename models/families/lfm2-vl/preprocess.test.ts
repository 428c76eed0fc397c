/**
 * LFM2-VL encoder feeds: the upstream reference tensors (vlm-formats.md §12 L-1…L-3) from Tessera's own
 * preprocessing, the patch layout (channels last within a 16×16 patch, patches row-major, zero padding), and
 * the measured distance to transformers.js's pixels, which normalise first and resize without antialiasing.
 */
import { describe, expect, it } from 'vitest';
import type { DecodedImage } from '../../image/decode.ts';
import { readLfm2VlConfig } from './config.ts';
import { planLfm2Vl } from './plan.ts';
import { preprocessLfm2Vl } from './preprocess.ts';
import { lfm2Vl450m, solidImage, transformersFeeds } from './testing.ts';

const cfg = readLfm2VlConfig(lfm2Vl450m());

function gradient(width: number, height: number): DecodedImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      data[i] = Math.round((255 * x) / (width - 1));
      data[i + 1] = Math.round((255 * y) / (height - 1));
      data[i + 2] = 128;
    }
  return { width, height, channels: 3, data };
}

/** Every pixel a different (x, y, channel) code, so the layout can be read back. */
function coded(width: number, height: number): DecodedImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7 + Math.floor(i / 97)) % 256;
  return { width, height, channels: 3, data };
}

async function feeds(image: DecodedImage) {
  const plan = planLfm2Vl(cfg, image, 'high');
  const out = await preprocessLfm2Vl(cfg, image, plan);
  const mask = out.pixel_attention_mask?.data as BigInt64Array;
  const views = out.pixel_values?.dims[0] ?? 0;
  const sums = Array.from({ length: views }, (_, t) =>
    mask.slice(t * 1024, (t + 1) * 1024).reduce((a, b) => a + b, 0n),
  );
  return {
    out,
    sums: sums.map(Number),
    shapes: Array.from(out.spatial_shapes?.data as BigInt64Array, Number),
  };
}

describe('LFM2-VL preprocessing', () => {
  it('L-1: white 224×224 → pixel_values [1, 1024, 768], mask sum 256, spatial_shapes [[16, 16]], all 1.0', async () => {
    const { out, sums, shapes } = await feeds(solidImage(224, 224, 255));
    expect(out.pixel_values?.dims).toEqual([1, 1024, 768]);
    expect(sums).toEqual([256]);
    expect(shapes).toEqual([16, 16]);
    const values = out.pixel_values?.data as Float32Array;
    expect(values.slice(0, 256 * 768).every((v) => v === 1)).toBe(true);
    expect(values.slice(256 * 768).every((v) => v === 0)).toBe(true);
  });

  it('L-2: gradient 1280×640 → [3, 1024, 768], mask sums [1024, 1024, 968], shapes [[32,32],[32,32],[22,44]]', async () => {
    const { out, sums, shapes } = await feeds(gradient(1280, 640));
    expect(out.pixel_values?.dims).toEqual([3, 1024, 768]);
    expect(sums).toEqual([1024, 1024, 968]);
    expect(shapes).toEqual([32, 32, 32, 32, 22, 44]);
  });

  it('L-3: a 640×480 photo → [1, 1024, 768], mask sum 936, shapes [[26, 36]]', async () => {
    const { sums, shapes } = await feeds(coded(640, 480));
    expect(sums).toEqual([936]);
    expect(shapes).toEqual([26, 36]);
  });

  it('lays out each patch as 16 rows of 16 pixels, channels last, patches row-major (no resize at 256×512)', async () => {
    const image = coded(512, 256);
    const { out, shapes } = await feeds(image);
    expect(shapes).toEqual([16, 32]);
    const values = out.pixel_values?.data as Float32Array;
    const expected = (x: number, y: number, c: number) =>
      (image.data[(y * 512 + x) * 3 + c] as number) / 127.5 - 1;
    for (const [py, px, dy, dx, c] of [
      [0, 0, 0, 0, 0],
      [0, 1, 0, 0, 2],
      [3, 5, 7, 9, 1],
      [15, 31, 15, 15, 2],
    ] as const) {
      const at = (py * 32 + px) * 768 + (dy * 16 + dx) * 3 + c;
      expect(values[at]).toBeCloseTo(expected(px * 16 + dx, py * 16 + dy, c), 6);
    }
  });

  it('refuses a plan made for another image', async () => {
    const plan = planLfm2Vl(cfg, { width: 300, height: 300 }, 'high');
    await expect(preprocessLfm2Vl(cfg, solidImage(200, 200, 1), plan)).rejects.toThrow(/does not belong/);
  });

  it('against transformers.js: equal on solid colour, close on a shrunk gradient (edges), apart on shrunk detail', async () => {
    const distance = async (image: DecodedImage) => {
      const ours = (await feeds(image)).out.pixel_values?.data as Float32Array;
      const theirs = (await transformersFeeds(image)).pixelValues.data as Float32Array;
      expect(theirs.length).toBe(ours.length);
      return ours.reduce((m, v, i) => Math.max(m, Math.abs(v - (theirs[i] as number))), 0);
    };
    expect(await distance(solidImage(700, 300, 77))).toBeLessThan(1e-6);
    // A linear ramp survives both filters away from the borders; one pixel column/row at the edges differs most.
    expect(await distance(gradient(1280, 640))).toBeLessThan(0.05);
    // Pixel-level detail shrunk 640×480 → 576×416: Pillow averages the taps, transformers.js samples two
    // (0.31 measured, a quarter of the value range).
    expect(await distance(coded(640, 480))).toBeGreaterThan(0.2);
  });
});
