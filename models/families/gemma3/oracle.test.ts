/**
 * Oracle: transformers.js (an independent implementation: Gemma3Processor, Gemma3ImageProcessor,
 * Gemma3ForConditionalGeneration) loads the same generated Gemma 3 folder. Its processor must produce Tessera's
 * input ids and, where nothing is resized, Tessera's pixel values; its greedy generation must produce Tessera's
 * tokens (fp32 and q4, and a follow-up turn on the kept cache). Pan-and-scan is Tessera's alone: transformers.js
 * gives one view whatever the aspect ratio.
 */
import type { Tensor } from '@huggingface/transformers';
import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../../app/chat.ts';
import { gradientImage, noiseImage } from '../../testing/images.ts';
import { testModelDir } from '../../testing/test-models.ts';
import {
  type HfModel,
  compareFollowUp,
  expectQ4Agrees,
  maxAbsDiff,
  rawImage,
  tesseraFeeds,
  useOracle,
} from '../../testing/transformers-oracle.ts';
import { image, text, useTestVlm, user } from '../../testing/vlm-fixture.ts';

const fx = useTestVlm({ family: 'gemma3', size: 'tiny', dtype: 'fp32', seed: 1 }, () => ({
  /** The tiny model's view is 224 × 224: this photo needs no resize, so both processors give the same pixels. */
  photo: noiseImage(224, 224, 11),
}));
const oracle = useOracle(fx);

async function tesseraPixels(bytes: Uint8Array, detail: 'low' | 'high' = 'low') {
  const { feeds, plan } = await tesseraFeeds(fx.vlm, bytes, detail);
  return { plan, pixels: feeds.pixel_values as { data: Float32Array; dims: readonly number[] } };
}

function imageProcessor() {
  const processor = oracle.processor.image_processor;
  if (!processor) throw new Error('the Gemma3Processor has no image processor');
  return processor;
}

// Gemma3Processor takes the text first; its greedy generation runs on Tessera's (low detail) pixels.
const compare = (messages: ChatMessage[], threadId?: string) =>
  oracle.compare(messages, [fx.images.photo], { detail: 'low', threadId });

describe('Gemma 3 against transformers.js', () => {
  it('one image and a question: same prompt, input ids (16 soft tokens), pixel values and 24 greedy tokens', async () => {
    const { run } = await compare([user(image(fx.images.photo), text('What is in this image?'))]);
    expect(run.prompt).toBe(
      '<bos><start_of_turn>user\n<start_of_image>What is in this image?<end_of_turn>\n<start_of_turn>model\n',
    );
    expect(run.inputIds.filter((id) => id === fx.vlm.parts.family.imageTokenId)).toHaveLength(16);
    // No resize on either side: the processors agree exactly.
    const theirPixels = run.inputs.pixel_values as Tensor;
    expect(theirPixels.dims).toEqual([1, 3, 224, 224]);
    const ourPixels = run.ours.feeds[0]?.pixel_values?.data as Float32Array;
    expect(maxAbsDiff(ourPixels, theirPixels.data as Float32Array)).toBe(0);
  });

  it('the q4 (MatMulNBits) variant', async () => {
    const q4Dir = await testModelDir({ family: 'gemma3', size: 'tiny', dtype: 'q4', seed: 1 });
    const messages = [user(image(fx.images.photo), text('Describe the picture.'))];
    const theirs = async (reference: HfModel) =>
      (await oracle.run(messages, [fx.images.photo], { detail: 'low', reference })).generated;
    await expectQ4Agrees(q4Dir, messages, theirs);
  });

  it('a follow-up turn on the kept cache', async () => {
    const first = [user(image(fx.images.photo), text('Describe it.'))];
    const [turn1, turn2] = await compareFollowUp(first, async (m, t) => (await compare(m, t)).result);
    expect(turn2.stats.cachedTokens).toBeGreaterThanOrEqual(turn1.stats.promptTokens);
  });

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
