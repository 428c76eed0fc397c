/**
 * Oracle, LFM2-VL's own cases (the shared ones: models/testing/oracle-suite.ts): a small image in one enlarged
 * view (no tiles, no thumbnail) through transformers.js's Lfm2VlProcessor and Lfm2VlForConditionalGeneration fed
 * Tessera's pixel rows; and the processors' pixel rows, which differ on purpose where the image is shrunk.
 */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { gradientImage, noiseImage } from '../../testing/images.ts';
import { maxAbsDiff, rawImage, tesseraFeeds, useOracle } from '../../testing/transformers-oracle.ts';
import { image, text, useTestVlm, user } from '../../testing/vlm-fixture.ts';
import { expectSameGrids, lfm2OracleFeeds } from './testing.ts';

const fx = useTestVlm({ family: 'lfm2-vl', size: 'tiny', dtype: 'fp32', seed: 1 }, () => ({
  tiled: noiseImage(200, 120, 11), // too large for one view: 2×1 tiles + thumbnail
  small: noiseImage(50, 30, 12), // one enlarged view
}));
const oracle = useOracle(fx);

const idOf = (token: string): number => {
  const id = fx.vlm.parts.text.tokenId(token);
  if (id === undefined) throw new Error(`the tokenizer has no ${token}`);
  return id;
};

describe('LFM2-VL against transformers.js', () => {
  it('a small image in one view: same ids and tokens', async () => {
    const { small } = fx.images;
    const { run: reference } = await oracle.compare([user(text('Look:'), image(small))], [small], {
      imagesFirst: true,
      feeds: lfm2OracleFeeds,
    });
    expectSameGrids(reference);
    expect(reference.inputIds).not.toContain(idOf('<|img_thumbnail|>'));
    expect(reference.inputIds).not.toContain(idOf('<|img_row_1_col_1|>'));
    // 50×30 → 48×32 (3 × 2 tokens), between the start and end markers.
    const start = reference.inputIds.indexOf(idOf('<|image_start|>'));
    expect(reference.inputIds.indexOf(idOf('<|image_end|>'))).toBe(start + 7);
  });

  it('processor pixel rows: equal on an enlarged solid view; close on a smooth shrink; apart on shrunk noise', async () => {
    const imageProcessor = oracle.processor.image_processor;
    if (!imageProcessor) throw new Error('the Lfm2VlProcessor has no image processor');
    const diff = async (bytes: Uint8Array) => {
      const ours = (await tesseraFeeds(fx.vlm, bytes)).feeds.pixel_values;
      const theirs = await imageProcessor(await rawImage(bytes));
      expect(theirs.pixel_values.dims).toEqual(ours?.dims);
      return maxAbsDiff(ours?.data as Float32Array, theirs.pixel_values.data as Float32Array);
    };
    const solid = new Uint8Array(
      await sharp({ create: { width: 30, height: 20, channels: 3, background: '#4080c0' } })
        .png()
        .toBuffer(),
    );
    expect(await diff(solid)).toBeLessThan(1e-6);
    // A gradient shrunk 400×300 → tiles: linear ramps survive both filters (edges aside).
    expect(await diff(await gradientImage(400, 300))).toBeLessThan(0.1);
    // Noise shrunk: Pillow-style antialiasing (Python) averages, transformers.js samples — far apart.
    expect(await diff(fx.images.tiled)).toBeGreaterThan(0.5);
  });
});
