/**
 * Tessera against transformers.js's Idefics3ImageProcessor on the same RGB pixels. Where the two algorithms
 * coincide the frames must match within 1e-4; where they depart, Tessera follows Python and the test pins both
 * sides of the difference. docs/preprocessing.md explains each case.
 */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { RawImage } from '@huggingface/transformers';
import { decodeImage, type DecodedImage } from '../../image/decode.ts';
import type { ModelJson } from '../family.ts';
import { smolvlmEngine } from './engine.ts';
import {
  frame,
  idefics3,
  makeImage,
  maxAbsDiff,
  offGridShare,
  smolvlm256m,
  transformersJs,
  type Pattern,
} from './testing.ts';

const TOLERANCE = 1e-4;

async function both(image: DecodedImage, json: ModelJson, detail: 'low' | 'high') {
  const model = smolvlmEngine.bind(json);
  const plan = model.planImage(image, detail);
  const ours = (await model.preprocess(image, plan)).pixel_values?.data as Float32Array;
  const js = await transformersJs(image, json, detail === 'high');
  const m = plan.global?.inputWidth ?? 0;
  return { plan, ours, js, m, frames: plan.tiles.length + 1 };
}

describe('parity: step 1 lands on multiples of M, so tiles are plain crops in both', () => {
  const cases: [string, Pattern, number, number, number, ModelJson][] = [
    ['SmolVLM', 'gradient', 224, 224, 17, smolvlm256m()],
    ['SmolVLM', 'screenshot', 1280, 640, 9, smolvlm256m()],
    ['SmolVLM', 'noise', 640, 480, 13, smolvlm256m()],
    ['SmolVLM', 'gradient', 480, 640, 13, smolvlm256m()],
    ['SmolVLM', 'gradient', 1, 1, 17, smolvlm256m()],
    ['Idefics3 (I-3)', 'gradient', 1280, 640, 9, idefics3()],
    ['Idefics3 (I-5)', 'noise', 224, 224, 17, idefics3()],
  ];
  it.each(cases)('%s %s %i×%i: %i frames, every tile equal', async (_n, pattern, w, h, frames, json) => {
    const { plan, ours, js, m } = await both(await makeImage(pattern, w, h), json, 'high');
    expect(js.dims).toEqual([1, frames, 3, m, m]);
    expect(plan.tiles.length + 1).toBe(frames);
    expect([plan.grid.rows, plan.grid.cols]).toEqual([js.rows, js.cols]);
    expect([plan.resized.height, plan.resized.width]).toEqual([js.rows * m, js.cols * m]);
    for (let i = 0; i < frames - 1; i++) {
      expect(maxAbsDiff(frame(ours, i, m), frame(js.pixelValues, i, m)), `tile ${i}`).toBeLessThanOrEqual(
        TOLERANCE,
      );
    }
    // The global view is where they part (see "departures" below): Python LANCZOS on uint8 stays on the grid.
    expect(offGridShare(frame(ours, frames - 1, m))).toBe(0);
  });

  it('grayscale input: transformers.js expanding a 1-channel image gives the same tiles as our decoded RGB', async () => {
    const gray = Buffer.alloc(640 * 480).map((_, i) => (i * 31 + (i >> 7)) % 256);
    const png = await sharp(gray, { raw: { width: 640, height: 480, channels: 1 } })
      .toColourspace('b-w')
      .png()
      .toBuffer();
    const image = await decodeImage(png);
    const model = smolvlmEngine.bind(smolvlm256m());
    const ours = (await model.preprocess(image, model.planImage(image, 'high'))).pixel_values
      ?.data as Float32Array;
    const js = await transformersJs(
      new RawImage(new Uint8ClampedArray(gray), 640, 480, 1),
      smolvlm256m(),
      true,
    );
    for (let i = 0; i < 12; i++)
      expect(maxAbsDiff(frame(ours, i, 512), frame(js.pixelValues, i, 512))).toBe(0);
  });
});

describe('parity: single frames that need no resize after step 1', () => {
  // size.longest_edge = max_image_size = 364: a square image is 364×364 after step 1 in both.
  const json = idefics3({ size: { longest_edge: 364 } });
  it.each([
    ['high', 'gradient'],
    ['low', 'noise'],
  ] as const)('detail %s, %s 224×224: the one frame is equal', async (detail, pattern) => {
    const { ours, js, frames } = await both(await makeImage(pattern, 224, 224), json, detail);
    expect(frames).toBe(1);
    expect(js.dims).toEqual([1, 1, 3, 364, 364]);
    expect(maxAbsDiff(ours, js.pixelValues)).toBeLessThanOrEqual(TOLERANCE);
  });
});

describe('departures: Tessera follows Python', () => {
  it('global view: LANCZOS on uint8 (Python) vs bilinear on normalised floats (transformers.js)', async () => {
    const { ours, js, m, frames } = await both(await makeImage('noise', 224, 224), smolvlm256m(), 'high');
    const last = frames - 1;
    expect(offGridShare(frame(ours, last, m))).toBe(0);
    expect(offGridShare(frame(js.pixelValues, last, m))).toBeGreaterThan(0.5);
    expect(maxAbsDiff(frame(ours, last, m), frame(js.pixelValues, last, m))).toBeGreaterThan(0.02);
  });

  it('resize_for_vision_encoder (1920×1080: 2048×1152 → 2048×1536): LANCZOS uint8 vs bilinear floats', async () => {
    const { plan, ours, js, m } = await both(await makeImage('noise', 1920, 1080), smolvlm256m(), 'high');
    expect([plan.grid.rows, plan.grid.cols, js.rows, js.cols]).toEqual([3, 4, 3, 4]);
    expect(js.reshaped).toEqual([1152, 2048]); // step 1 agrees…
    expect(offGridShare(ours)).toBe(0); // …then Python resizes uint8 pixels,
    expect(offGridShare(frame(js.pixelValues, 0, m))).toBeGreaterThan(0.5); // transformers.js floats.
    expect(maxAbsDiff(frame(ours, 5, m), frame(js.pixelValues, 5, m))).toBeGreaterThan(0.5);
  });

  it('low detail (640×480): LANCZOS to M×M on uint8 vs bilinear on floats', async () => {
    const { ours, js } = await both(await makeImage('noise', 640, 480), smolvlm256m(), 'low');
    expect(js.dims).toEqual([1, 1, 3, 512, 512]);
    expect(offGridShare(ours)).toBe(0);
    expect(offGridShare(js.pixelValues)).toBeGreaterThan(0.3);
    expect(maxAbsDiff(ours, js.pixelValues)).toBeGreaterThan(0.3);
  });

  it('step 1 short side: Python int() + even fix (1366) vs Math.floor (1365) for 1600×1067', async () => {
    const { plan, ours, js, m } = await both(await makeImage('gradient', 1600, 1067), smolvlm256m(), 'high');
    expect(js.reshaped).toEqual([1365, 2048]);
    expect([plan.grid.rows, plan.grid.cols, js.rows, js.cols]).toEqual([3, 4, 3, 4]);
    expect(offGridShare(ours)).toBe(0);
    expect(maxAbsDiff(frame(ours, 0, m), frame(js.pixelValues, 0, m))).toBeGreaterThan(TOLERANCE);
  });

  it('step 1 rounding can add a tile row: 2058×1030 is 2 × 4 tiles in Python, 3 × 4 in transformers.js', async () => {
    const image = await makeImage('gradient', 2058, 1030);
    const { plan, js } = await both(image, smolvlm256m(), 'high');
    expect(js.reshaped).toEqual([1025, 2048]); // toFixed(2) rounds 1024.995 up; Python's int() gives 1024
    expect([js.rows, js.cols, js.dims[1]]).toEqual([3, 4, 13]);
    expect([plan.grid.rows, plan.grid.cols, plan.tiles.length + 1]).toEqual([2, 4, 9]);
    expect(plan.imageTokens).toBe(9 * 64);
  });

  it('a 1×5000 sliver: Python keeps a 1-pixel column (min_len 1); transformers.js resizes to width 0 and throws', async () => {
    const image = await makeImage('gradient', 1, 5000);
    const model = smolvlmEngine.bind(smolvlm256m());
    const plan = model.planImage(image, 'high');
    expect([plan.grid.rows, plan.grid.cols]).toEqual([4, 1]);
    const feeds = await model.preprocess(image, plan);
    expect(feeds.pixel_values?.dims).toEqual([1, 5, 3, 512, 512]);
    await expect(transformersJs(image, smolvlm256m(), true)).rejects.toThrow(/width/);
  });

  it('a config without do_normalize: Python normalises (class default), transformers.js does not', async () => {
    const json = smolvlm256m({
      preprocessor: { size: { longest_edge: 16 }, max_image_size: { longest_edge: 16 } },
    });
    delete json.preprocessorConfig.do_normalize;
    const image: DecodedImage = { width: 16, height: 16, channels: 3, data: new Uint8Array(768).fill(0) };
    const { ours, js } = await both(image, json, 'high');
    expect(new Set(ours)).toEqual(new Set([-1])); // (0 − 0.5) / 0.5
    expect(new Set(js.pixelValues)).toEqual(new Set([0]));
  });

  it('RGBA: transparent pixels are white (Python convert_to_rgb); transformers.js keeps the hidden colour', async () => {
    // 224×224 black image, fully transparent on the left half.
    const rgba = Buffer.alloc(224 * 224 * 4);
    for (let i = 0; i < 224 * 224; i++) rgba[i * 4 + 3] = i % 224 < 112 ? 0 : 255;
    const png = await sharp(rgba, { raw: { width: 224, height: 224, channels: 4 } })
      .png()
      .toBuffer();
    const image = await decodeImage(png);
    const model = smolvlmEngine.bind(smolvlm256m());
    const ours = (await model.preprocess(image, model.planImage(image, 'high'))).pixel_values
      ?.data as Float32Array;
    const js = await transformersJs(
      new RawImage(new Uint8ClampedArray(rgba), 224, 224, 4),
      smolvlm256m(),
      true,
    );
    // Tile 0 is the top-left 512×512 of the 2048×2048 upscale: inside the transparent half.
    expect(new Set(frame(ours, 0, 512))).toEqual(new Set([1]));
    expect(new Set(frame(js.pixelValues, 0, 512))).toEqual(new Set([-1]));
  });
});
