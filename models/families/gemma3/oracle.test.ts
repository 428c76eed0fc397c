/**
 * Oracle, Gemma 3's own cases (the shared ones: models/testing/oracle-suite.ts): transformers.js's
 * Gemma3ImageProcessor on a resized view (close, not equal: the resize kernels differ), and pan-and-scan, which is
 * Tessera's alone: transformers.js gives one view whatever the aspect ratio.
 */
import { describe, expect, it } from 'vitest';
import { gradientImage, noiseImage } from '../../testing/images.ts';
import { maxAbsDiff, rawImage, tesseraFeeds, useOracle } from '../../testing/transformers-oracle.ts';
import { useTestVlm } from '../../testing/vlm-fixture.ts';

const fx = useTestVlm({ family: 'gemma3', size: 'tiny', dtype: 'fp32', seed: 1 }, () => ({}));
const oracle = useOracle(fx, { model: false });

async function tesseraPixels(bytes: Uint8Array, detail: 'low' | 'high' = 'low') {
  const { feeds, plan } = await tesseraFeeds(fx.vlm, bytes, detail);
  return { plan, pixels: feeds.pixel_values as { data: Float32Array; dims: readonly number[] } };
}

function imageProcessor() {
  const processor = oracle.processor.image_processor;
  if (!processor) throw new Error('the Gemma3Processor has no image processor');
  return processor;
}

describe('Gemma 3 against transformers.js', () => {
  it('a resized view: Tessera filters like Pillow (Python), transformers.js samples an affine; close on a smooth image', async () => {
    const bytes = await gradientImage(500, 300);
    const { pixels } = await tesseraPixels(bytes);
    const theirs = await imageProcessor()(await rawImage(bytes));
    expect(theirs.pixel_values.dims).toEqual([1, 3, 224, 224]);
    const diff = maxAbsDiff(pixels.data, theirs.pixel_values.data as Float32Array);
    // Both squeeze 500 × 300 to 224 × 224; the kernels place samples differently. Measured: 0.0078, one level
    // (1/255 ÷ std 0.5) — so the greedy comparisons feed Tessera's pixels to both.
    expect(diff).toBeGreaterThan(0);
    expect(diff).toBeLessThan(0.01);
  });

  it('pan-and-scan is Tessera-only: transformers.js gives one view of a wide image, Tessera (high) three', async () => {
    const wide = await noiseImage(900, 300, 5);
    const theirs = await imageProcessor()(await rawImage(wide), { do_pan_and_scan: true });
    expect(theirs.pixel_values.dims).toEqual([1, 3, 224, 224]);
    const { plan, pixels } = await tesseraPixels(wide, 'high');
    // Python: 900 / 300 = 3 crops of 300 × 300 (at least 256 px each), after the whole image.
    expect(pixels.dims).toEqual([4, 3, 224, 224]);
    expect(plan.tiles.map((t) => [t.x, t.width])).toEqual([
      [0, 300],
      [300, 300],
      [600, 300],
    ]);
    // The single view is the one both compute.
    const low = await tesseraPixels(wide, 'low');
    expect(low.pixels.dims).toEqual([1, 3, 224, 224]);
    expect(maxAbsDiff(pixels.data.subarray(0, 3 * 224 * 224), low.pixels.data)).toBe(0);
  });
});
