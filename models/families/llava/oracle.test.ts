/**
 * Oracle: transformers.js (an independent implementation: LlavaProcessor, CLIPImageProcessor,
 * LlavaForConditionalGeneration) loads the same generated LLaVA folder. Its processor must produce Tessera's input
 * ids; its greedy generation — fed Tessera's pixel tensor, so the comparison isolates the runtime (the two resizes
 * differ on purpose, parity.test.ts) — must produce Tessera's token ids, for one image (fp32 and q4) and a
 * follow-up turn on the kept cache. The processors' pixel_values are compared too, with the measured tolerance.
 */
import { basename, dirname } from 'node:path';
import { AutoModelForImageTextToText, AutoProcessor, RawImage, Tensor, env } from '@huggingface/transformers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../../app/chat.ts';
import { decodeImage } from '../../image/decode.ts';
import { buildPrompt } from '../../runtime/prompt.ts';
import { Vlm } from '../../runtime/vlm.ts';
import { gradientImage, noiseImage } from '../../testing/images.ts';
import { testModelDir } from '../../testing/test-models.ts';
import { maxAbsDiff } from './testing.ts';

const MAX_NEW_TOKENS = 24;

let dir: string;
let vlm: Vlm;
// transformers.js types are loose; these are its processor and model objects.
let processor: Awaited<ReturnType<typeof AutoProcessor.from_pretrained>>;
let model: Awaited<ReturnType<typeof AutoModelForImageTextToText.from_pretrained>>;
let photo: Uint8Array;

beforeAll(async () => {
  dir = await testModelDir({ family: 'llava', size: 'tiny', dtype: 'fp32', seed: 1 });
  vlm = await Vlm.load(dir, { device: 'cpu', dtype: 'fp32' });
  env.allowRemoteModels = false;
  env.localModelPath = dirname(dir);
  processor = await AutoProcessor.from_pretrained(basename(dir));
  model = await AutoModelForImageTextToText.from_pretrained(basename(dir), { dtype: 'fp32', device: 'cpu' });
  photo = await noiseImage(200, 120, 11);
});

afterAll(async () => {
  await vlm?.dispose();
  await model?.dispose();
});

async function rawImage(bytes: Uint8Array) {
  const decoded = await decodeImage(bytes);
  return new RawImage(new Uint8ClampedArray(decoded.data), decoded.width, decoded.height, 3);
}

/** Tessera's prompt ids and pixel tensor for a conversation with one image, from Tessera's own processor. */
async function tesseraInputs(messages: ChatMessage[], bytes: Uint8Array) {
  const { family, text } = vlm.parts;
  const decoded = await decodeImage(bytes);
  const plan = family.planImage({ width: decoded.width, height: decoded.height }, 'high');
  const pixels = (await family.preprocess(decoded, plan)).pixel_values as {
    data: Float32Array;
    dims: readonly number[];
  };
  const prompt = buildPrompt(messages, [{ key: 'image', plan }], family, text);
  return { ids: prompt.ids, pixels };
}

/** The same conversation through transformers.js's chat template, LlavaProcessor and generate(). */
async function transformersRun(messages: ChatMessage[], bytes: Uint8Array, reference = model) {
  const hfMessages = messages.map((m) => ({
    role: m.role,
    content: m.content.map((p) => (p.type === 'text' ? { type: 'text', text: p.text } : { type: 'image' })),
  }));
  const prompt = processor.apply_chat_template(hfMessages as never, { add_generation_prompt: true });
  // LlavaProcessor takes the images first.
  const inputs = await processor(await rawImage(bytes), prompt);
  const ours = await tesseraInputs(messages, bytes);
  const output = (await reference.generate({
    ...inputs,
    pixel_values: new Tensor('float32', ours.pixels.data, [...ours.pixels.dims]),
    max_new_tokens: MAX_NEW_TOKENS,
    do_sample: false,
  } as never)) as Tensor;
  const inputIds = Array.from(inputs.input_ids.data as BigInt64Array, Number);
  const eos = new Set(vlm.parts.text.eosTokenIds);
  const generated = Array.from(output.data as BigInt64Array, Number)
    .slice(inputIds.length)
    .filter((id) => !eos.has(id));
  return { prompt, inputIds, generated, ours };
}

const user = (...content: ChatMessage['content']): ChatMessage => ({ role: 'user', content });

async function compare(messages: ChatMessage[], threadId?: string) {
  const reference = await transformersRun(messages, photo);
  expect(reference.ours.ids).toEqual(reference.inputIds);
  const result = await vlm.generate(
    { messages, threadId, sampling: { maxTokens: MAX_NEW_TOKENS } },
    () => {},
  );
  expect(result.tokenIds).toEqual(reference.generated);
  expect(result.tokenIds.length).toBe(MAX_NEW_TOKENS);
  return { result, reference };
}

describe('LLaVA against transformers.js', () => {
  it('one image and a question: same input ids (16 <image> tokens), same 24 greedy tokens', async () => {
    const messages = [user({ type: 'image', data: photo }, { type: 'text', text: 'What is in this image?' })];
    const { reference } = await compare(messages);
    expect(reference.prompt).toBe('<s>USER: <image>\nWhat is in this image? ASSISTANT:');
    expect(reference.inputIds.filter((id) => id === vlm.parts.family.imageTokenId)).toHaveLength(16);
  });

  it('the q4 (MatMulNBits) variant', async () => {
    const q4Dir = await testModelDir({ family: 'llava', size: 'tiny', dtype: 'q4', seed: 1 });
    const q4 = await Vlm.load(q4Dir, { device: 'cpu', dtype: 'q4' });
    const reference = await AutoModelForImageTextToText.from_pretrained(basename(q4Dir), {
      dtype: 'q4',
      device: 'cpu',
    });
    const messages = [user({ type: 'image', data: photo }, { type: 'text', text: 'Describe the picture.' })];
    try {
      const ours = await q4.generate({ messages, sampling: { maxTokens: MAX_NEW_TOKENS } }, () => {});
      const theirs = await transformersRun(messages, photo, reference);
      expect(ours.tokenIds).toEqual(theirs.generated);
      expect(ours.tokenIds.length).toBe(MAX_NEW_TOKENS);
    } finally {
      await q4.dispose();
      await reference.dispose();
    }
  });

  it('a follow-up turn on the kept cache', async () => {
    const first = [user({ type: 'image', data: photo }, { type: 'text', text: 'Describe it.' })];
    const turn1 = await compare(first, 'oracle-thread');
    const followUp: ChatMessage[] = [
      ...first,
      { role: 'assistant', content: [{ type: 'text', text: turn1.result.text }] },
      user({ type: 'text', text: 'What else?' }),
    ];
    const turn2 = await compare(followUp, 'oracle-thread');
    expect(turn2.result.stats.cachedTokens).toBeGreaterThanOrEqual(turn1.result.stats.promptTokens);
  });

  it('V-1 shapes: white 224×224, "USER: <image>\\n… ASSISTANT:" → logits [1, L, vocab], generate → [1, L + 10]', async () => {
    const white = new RawImage(new Uint8ClampedArray(224 * 224 * 3).fill(255), 224, 224, 3);
    const text = "USER: <image>\nWhat's the content of the image? ASSISTANT:";
    const inputs = await processor(white, text);
    const length = inputs.input_ids.dims[1] as number;
    // Tessera's expansion of the same text gives the same sequence.
    const expanded = text.replace(
      '<image>',
      vlm.parts.family.expandImage(vlm.planImage({ width: 224, height: 224 })),
    );
    expect(vlm.parts.text.encode(expanded)).toEqual(
      Array.from(inputs.input_ids.data as BigInt64Array, Number),
    );
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
    const hf = await AutoProcessor.from_pretrained(basename(dir));
    Object.assign(hf.config, { num_additional_image_tokens: 1, vision_feature_select_strategy: 'default' });
    const inputs = await hf(await rawImage(photo), 'USER: <image>\nHi ASSISTANT:');
    const imageId = vlm.parts.family.imageTokenId;
    expect(
      Array.from(inputs.input_ids.data as BigInt64Array, Number).filter((id) => id === imageId),
    ).toHaveLength(17);
    await expect(model.generate({ ...inputs, max_new_tokens: 1 } as never)).rejects.toThrow(
      /tokens: 17, features 16/,
    );
  });

  it('processor pixel_values: equal where nothing is resized; within 0.05 on a smooth resize; apart on noise', async () => {
    const pixels = async (bytes: Uint8Array) => {
      const decoded = await decodeImage(bytes);
      const plan = vlm.planImage(decoded);
      const ours = (await vlm.parts.family.preprocess(decoded, plan)).pixel_values?.data as Float32Array;
      const imageProcessor = processor.image_processor;
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
    expect(await pixels(photo)).toBeGreaterThan(1);
  });
});
