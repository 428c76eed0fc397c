/**
 * Oracle, FastVLM's own cases (the shared ones: models/testing/oracle-suite.ts): transformers.js's LlavaProcessor
 * over CLIPImageProcessor gives Tessera's pixel tensor where nothing is resized.
 */
import type { Tensor } from '@huggingface/transformers';
import { describe, expect, it } from 'vitest';
import { noiseImage } from '../../testing/images.ts';
import { maxAbsDiff, rawImage, tesseraFeeds, useOracle } from '../../testing/transformers-oracle.ts';
import { useTestVlm } from '../../testing/vlm-fixture.ts';

const fx = useTestVlm({ family: 'fastvlm', size: 'tiny', dtype: 'fp32', seed: 1 }, () => ({}));
const oracle = useOracle(fx, { model: false });

describe('FastVLM against transformers.js', () => {
  it('processor pixel_values are equal where nothing is resized (values in [0, 1]: mean 0, std 1)', async () => {
    const square = await noiseImage(256, 300, 3); // short side already 256: both only crop
    const ours = (await tesseraFeeds(fx.vlm, square)).feeds.pixel_values?.data as Float32Array;
    const theirs = (await oracle.processor.image_processor?.(await rawImage(square)))?.pixel_values as Tensor;
    expect(maxAbsDiff(ours, theirs.data as Float32Array)).toBe(0);
    expect(ours.every((v) => v >= 0 && v <= 1)).toBe(true);
  });
});
