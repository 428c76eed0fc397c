/**
 * Oracle: transformers.js (LlavaOnevisionForConditionalGeneration — an alias of its LLaVA model — with
 * LlavaOnevisionImageProcessor) loads the same generated folder. transformers.js runs OneVision on the base view
 * only and has no OneVision processor (the caller expands `<image>`), so the token comparison uses detail `low`,
 * where Python, transformers.js and Tessera agree: base view rows + the image_newline row. Its greedy generation,
 * fed Tessera's pixels (isolating the runtime), must give Tessera's tokens. For `high`, the tests pin where
 * transformers.js departs from Python (no crops, no unpadding, no newline rows) while Tessera follows Python.
 */
import { AutoTokenizer, LlavaOnevisionImageProcessor } from '@huggingface/transformers';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../../app/chat.ts';
import { readModelJson } from '../../runtime/model-folder.ts';
import { gradientImage, noiseImage } from '../../testing/images.ts';
import {
  expectTesseraGreedy,
  hfMessages,
  hfTensor,
  idsOf,
  localModel,
  maxAbsDiff,
  rawImage,
  referenceGreedy,
  tesseraFeeds,
  tesseraInputs,
  useOracle,
} from '../../testing/transformers-oracle.ts';
import { image, text, useTestVlm, user } from '../../testing/vlm-fixture.ts';

const fx = useTestVlm({ family: 'llava-onevision', size: 'tiny', dtype: 'fp32', seed: 1 }, () => ({
  photo: noiseImage(200, 120, 11),
}));
// No OneVision processor in transformers.js: its tokenizer and image processor stand in.
const oracle = useOracle(fx, { processor: false });
let tokenizer: Awaited<ReturnType<typeof AutoTokenizer.from_pretrained>>;
let imageProcessor: LlavaOnevisionImageProcessor;

beforeAll(async () => {
  tokenizer = await AutoTokenizer.from_pretrained(localModel(fx.dir));
  imageProcessor = new LlavaOnevisionImageProcessor(readModelJson(fx.dir).preprocessorConfig);
});

/** transformers.js: its chat template, `<image>` expanded by the caller to the plan's count, generate(). */
async function transformersRun(messages: ChatMessage[], bytes: Uint8Array) {
  const ours = await tesseraInputs(fx.vlm, messages, [bytes], 'low');
  const prompt = tokenizer.apply_chat_template(hfMessages(messages) as never, {
    add_generation_prompt: true,
    tokenize: false,
  }) as string;
  const expanded = prompt.replace('<image>', '<image>'.repeat(ours.plans[0]?.imageTokens ?? 0));
  const inputs = tokenizer(expanded);
  const inputIds = idsOf(inputs.input_ids);
  const pixels = { ...inputs, pixel_values: hfTensor(ours.feeds[0]?.pixel_values) };
  const generated = await referenceGreedy(
    oracle.model,
    pixels,
    inputIds.length,
    fx.vlm.parts.text.eosTokenIds,
  );
  return { prompt, inputIds, generated, ours };
}

describe('LLaVA-OneVision against transformers.js', () => {
  it('base view (detail low): same input ids (16 + 1 <image> tokens), same 24 greedy tokens', async () => {
    const messages = [user(image(fx.images.photo, 'low'), text('What is in this image?'))];
    const reference = await transformersRun(messages, fx.images.photo);
    expect(reference.prompt).toBe(
      '<|im_start|>user <image>\nWhat is in this image?<|im_end|><|im_start|>assistant\n',
    );
    expect(reference.ours.ids).toEqual(reference.inputIds);
    expect(reference.inputIds.filter((id) => id === fx.vlm.parts.family.imageTokenId)).toHaveLength(17);
    await expectTesseraGreedy(fx.vlm, messages, reference.generated);
  });

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
