/**
 * Oracle, LLaVA's own cases (the shared ones: models/testing/oracle-suite.ts): transformers.js's LlavaProcessor
 * and LlavaForConditionalGeneration on llava-hf's V-1 shapes, llava-hf's processor_config in transformers.js, and
 * the processors' pixel_values with the measured tolerance (the two resizes differ on purpose, parity.test.ts).
 */
import { AutoProcessor, RawImage, type Tensor } from '@huggingface/transformers';
import { describe, expect, it } from 'vitest';
import { decodeImage } from '../../image/decode.ts';
import { gradientImage, noiseImage } from '../../testing/images.ts';
import { idsOf, localModel, maxAbsDiff, rawImage, useOracle } from '../../testing/transformers-oracle.ts';
import { useTestVlm } from '../../testing/vlm-fixture.ts';

const fx = useTestVlm({ family: 'llava', size: 'tiny', dtype: 'fp32', seed: 1 }, () => ({
  photo: noiseImage(200, 120, 11),
}));
const oracle = useOracle(fx);

describe('LLaVA against transformers.js', () => {
  it('V-1 shapes: white 224×224, "USER: <image>\\n… ASSISTANT:" → logits [1, L, vocab], generate → [1, L + 10]', async () => {
    const { processor, model } = oracle;
    const { vlm } = fx;
    const white = new RawImage(new Uint8ClampedArray(224 * 224 * 3).fill(255), 224, 224, 3);
    const prompt = "USER: <image>\nWhat's the content of the image? ASSISTANT:";
    const inputs = await processor(white, prompt);
    const length = inputs.input_ids.dims[1] as number;
    // Tessera's expansion of the same text gives the same sequence.
    const expanded = prompt.replace(
      '<image>',
      vlm.parts.family.expandImage(vlm.parts.family.planImage({ width: 224, height: 224 }, 'high')),
    );
    expect(vlm.parts.text.encode(expanded)).toEqual(idsOf(inputs.input_ids));
    expect(inputs.pixel_values.dims).toEqual([1, 3, 56, 56]);
    const { logits } = (await model(inputs)) as { logits: Tensor };
    expect(logits.dims).toEqual([1, length, 576]);
    const output = (await model.generate({
      ...inputs,
      max_new_tokens: 10,
      do_sample: false,
    } as never)) as Tensor;
    expect(output.dims).toEqual([1, length + 10]);
  });

  it('llava-hf\'s processor_config (1, "default") in transformers.js: one <image> too many, and its merge throws', async () => {
    const hf = await AutoProcessor.from_pretrained(localModel(fx.dir));
    Object.assign(hf.config, { num_additional_image_tokens: 1, vision_feature_select_strategy: 'default' });
    const inputs = await hf(await rawImage(fx.images.photo), 'USER: <image>\nHi ASSISTANT:');
    const imageId = fx.vlm.parts.family.imageTokenId;
    expect(idsOf(inputs.input_ids).filter((id) => id === imageId)).toHaveLength(17);
    await expect(oracle.model.generate({ ...inputs, max_new_tokens: 1 } as never)).rejects.toThrow(
      /tokens: 17, features 16/,
    );
  });

  it('processor pixel_values: equal where nothing is resized; within 0.05 on a smooth resize; apart on noise', async () => {
    const pixels = async (bytes: Uint8Array) => {
      const decoded = await decodeImage(bytes);
      const plan = fx.vlm.parts.family.planImage(decoded, fx.vlm.parts.family.defaultDetail);
      const ours = (await fx.vlm.parts.family.preprocess(decoded, plan)).pixel_values?.data as Float32Array;
      const imageProcessor = oracle.processor.image_processor;
      if (!imageProcessor) throw new Error('the LlavaProcessor has no image processor');
      const theirs = await imageProcessor(await rawImage(bytes));
      expect(theirs.pixel_values.dims).toEqual([1, 3, 56, 56]);
      return maxAbsDiff(ours, theirs.pixel_values.data as Float32Array);
    };
    // Short side already 56: both only crop.
    expect(await pixels(await noiseImage(56, 90, 3))).toBe(0);
    // A smooth 400×300 photo-like gradient shrunk to 74×56: 0.045 measured (≈ 3 levels of 255). Tessera filters
    // like Pillow; transformers.js samples a 4×4 bicubic affine without antialiasing.
    expect(await pixels(await gradientImage(400, 300))).toBeLessThan(0.05);
    // On noise every pixel is an edge and the two resizes part completely (2.5 measured): the greedy comparisons
    // above therefore feed Tessera's pixels to both.
    expect(await pixels(fx.images.photo)).toBeGreaterThan(1);
  });
});
