/**
 * Oracle, LLaVA-OneVision's own cases (the shared ones, at detail low: models/testing/oracle-suite.ts):
 * transformers.js's LlavaOnevisionImageProcessor gives Tessera's base view where nothing is resized, and on
 * `high` departs from Python (no crops, no unpadding, no newline rows) while Tessera follows Python.
 */
import { LlavaOnevisionImageProcessor } from '@huggingface/transformers';
import { beforeAll, describe, expect, it } from 'vitest';
import { readModelJson } from '../../runtime/model-folder.ts';
import { gradientImage, noiseImage } from '../../testing/images.ts';
import { maxAbsDiff, rawImage, tesseraFeeds } from '../../testing/transformers-oracle.ts';
import { useTestVlm } from '../../testing/vlm-fixture.ts';

const fx = useTestVlm({ family: 'llava-onevision', size: 'tiny', dtype: 'fp32', seed: 1 }, () => ({
  photo: noiseImage(200, 120, 11),
}));
let imageProcessor: LlavaOnevisionImageProcessor;

beforeAll(() => {
  imageProcessor = new LlavaOnevisionImageProcessor(readModelJson(fx.dir).preprocessorConfig);
});

describe('LLaVA-OneVision against transformers.js', () => {
  it('base view pixels: equal where nothing is resized; within 0.05 on a smooth resize', async () => {
    const pixels = async (bytes: Uint8Array) => {
      const ours = (await tesseraFeeds(fx.vlm, bytes, 'low')).feeds.pixel_values?.data as Float32Array;
      const theirs = await imageProcessor(await rawImage(bytes));
      expect(theirs.pixel_values.dims).toEqual([1, 3, 56, 56]);
      return maxAbsDiff(ours, theirs.pixel_values.data as Float32Array);
    };
    expect(await pixels(await noiseImage(56, 56, 3))).toBe(0);
    // Pillow-style filtering (Tessera, Python) against sharp's affine bicubic (transformers.js).
    expect(await pixels(await gradientImage(400, 300))).toBeLessThan(0.05);
  });

  it('transformers.js departs from Python on `high`: one view, no crops, no unpadding, no newline rows', async () => {
    const ours = await tesseraFeeds(fx.vlm, fx.images.photo, 'high');
    const theirs = await imageProcessor(await rawImage(fx.images.photo));
    // Python (and Tessera): base + 3 × 4 crops. transformers.js: the base view alone.
    expect(ours.feeds.pixel_values?.dims).toEqual([13, 3, 56, 56]);
    expect(theirs.pixel_values.dims).toEqual([1, 3, 56, 56]);
    // Its merge scatters encoder rows as they come: 13 · 16 + 1 rows, where Python's pack_image_features gives
    // base + unpadded grid + one newline per row: the 12 × 16 grid of a 200×120 image keeps int(120 · 16 / 200) = 9
    // rows, padding (12 − 9) // 2 = 1 cut each side → 10 × 16.
    expect(ours.plan.imageTokens).toBe(16 + 10 * 16 + 10);
    expect(13 * 16 + 1).not.toBe(ours.plan.imageTokens);
  });
});
