/**
 * Oracle: transformers.js, an independent implementation, loads the same generated SmolVLM folder. Its
 * processor must produce the same input ids as Tessera, and its greedy generation — fed Tessera's pixel
 * tensors, so the comparison isolates the runtime (where the two processors differ on purpose, see
 * docs/preprocessing.md) — must produce the same token ids, for one image, two images and a follow-up turn.
 */
import { basename, dirname } from 'node:path';
import { AutoModelForVision2Seq, AutoProcessor, RawImage, Tensor, env } from '@huggingface/transformers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../../app/chat.ts';
import { decodeImage } from '../../image/decode.ts';
import { buildPrompt } from '../../runtime/prompt.ts';
import { Vlm } from '../../runtime/vlm.ts';
import { noiseImage } from '../../testing/images.ts';
import { testModelDir } from '../../testing/test-models.ts';

const MAX_NEW_TOKENS = 24;

let vlm: Vlm;
// transformers.js types are loose; these are its processor and model objects.
let processor: Awaited<ReturnType<typeof AutoProcessor.from_pretrained>>;
let model: Awaited<ReturnType<typeof AutoModelForVision2Seq.from_pretrained>>;
let imageA: Uint8Array;
let imageB: Uint8Array;

beforeAll(async () => {
  const dir = await testModelDir({ family: 'smolvlm', size: 'tiny', dtype: 'fp32', seed: 1 });
  vlm = await Vlm.load(dir, { device: 'cpu', dtype: 'fp32' });
  env.allowRemoteModels = false;
  env.localModelPath = dirname(dir);
  processor = await AutoProcessor.from_pretrained(basename(dir));
  model = await AutoModelForVision2Seq.from_pretrained(basename(dir), { dtype: 'fp32', device: 'cpu' });
  imageA = await noiseImage(200, 120, 11);
  imageB = await noiseImage(90, 160, 12, 'jpeg');
});

afterAll(async () => {
  await vlm?.dispose();
  await model?.dispose();
});

async function rawImage(bytes: Uint8Array) {
  const decoded = await decodeImage(bytes);
  return new RawImage(new Uint8ClampedArray(decoded.data), decoded.width, decoded.height, 3);
}

/** Tessera's prompt ids and pixel tensors for a conversation, built with Tessera's own processor. */
async function tesseraInputs(messages: ChatMessage[], images: Uint8Array[]) {
  const { family, text } = vlm.parts;
  const frames: Float32Array[] = [];
  const planned = [];
  let frameCount = 0;
  let size = 0;
  for (const [i, bytes] of images.entries()) {
    const decoded = await decodeImage(bytes);
    const plan = family.planImage({ width: decoded.width, height: decoded.height }, 'high');
    const feeds = await family.preprocess(decoded, plan);
    const pixels = feeds.pixel_values as { data: Float32Array; dims: readonly number[] };
    frames.push(pixels.data);
    frameCount += pixels.dims[1] as number;
    size = pixels.dims[3] as number;
    planned.push({ key: String(i), plan });
  }
  const prompt = buildPrompt(messages, planned, family, text);
  const pixelData = new Float32Array(frames.reduce((n, f) => n + f.length, 0));
  frames.reduce((at, f) => (pixelData.set(f, at), at + f.length), 0);
  return { ids: prompt.ids, pixelData, frameCount, size };
}

/** The same conversation through transformers.js's chat template, processor and generate(). */
async function transformersRun(messages: ChatMessage[], images: Uint8Array[], reference = model) {
  const hfMessages = messages.map((m) => ({
    role: m.role,
    content: m.content.map((p) => (p.type === 'text' ? { type: 'text', text: p.text } : { type: 'image' })),
  }));
  const prompt = processor.apply_chat_template(hfMessages as never, { add_generation_prompt: true });
  const inputs = await processor(prompt, await Promise.all(images.map(rawImage)));
  const ours = await tesseraInputs(messages, images);
  const pixelValues = new Tensor('float32', ours.pixelData, [1, ours.frameCount, 3, ours.size, ours.size]);
  const mask = new Tensor('bool', new Uint8Array(ours.frameCount * ours.size * ours.size).fill(1), [
    1,
    ours.frameCount,
    ours.size,
    ours.size,
  ]);
  const output = (await reference.generate({
    ...inputs,
    pixel_values: pixelValues,
    pixel_attention_mask: mask,
    max_new_tokens: MAX_NEW_TOKENS,
    do_sample: false,
  } as never)) as Tensor;
  const promptLength = inputs.input_ids.dims[1] as number;
  const all = Array.from(output.data as BigInt64Array, Number);
  const eos = new Set(vlm.parts.text.eosTokenIds);
  const generated = all.slice(promptLength).filter((id) => !eos.has(id));
  return { inputIds: Array.from(inputs.input_ids.data as BigInt64Array, Number), generated, ours };
}

const user = (...content: ChatMessage['content']): ChatMessage => ({ role: 'user', content });

async function compare(messages: ChatMessage[], images: Uint8Array[], threadId?: string) {
  const reference = await transformersRun(messages, images);
  expect(reference.ours.ids).toEqual(reference.inputIds);
  const result = await vlm.generate(
    { messages, threadId, sampling: { maxTokens: MAX_NEW_TOKENS } },
    () => {},
  );
  expect(result.tokenIds).toEqual(reference.generated);
  expect(result.tokenIds.length).toBeGreaterThan(0);
  return result;
}

describe('SmolVLM against transformers.js', () => {
  it('the q4 (MatMulNBits) variant', async () => {
    const dir = await testModelDir({ family: 'smolvlm', size: 'tiny', dtype: 'q4', seed: 1 });
    const q4 = await Vlm.load(dir, { device: 'cpu', dtype: 'q4' });
    const reference = await AutoModelForVision2Seq.from_pretrained(basename(dir), {
      dtype: 'q4',
      device: 'cpu',
    });
    const messages = [
      user({ type: 'image', data: imageA }, { type: 'text', text: 'What is in this image?' }),
    ];
    try {
      const ours = await q4.generate({ messages, sampling: { maxTokens: MAX_NEW_TOKENS } }, () => {});
      const theirs = await transformersRun(messages, [imageA], reference);
      expect(ours.tokenIds).toEqual(theirs.generated);
    } finally {
      await q4.dispose();
      await reference.dispose();
    }
  });

  it('one image and a question', async () => {
    await compare(
      [user({ type: 'image', data: imageA }, { type: 'text', text: 'What is in this image?' })],
      [imageA],
    );
  });

  it('two images in one message', async () => {
    await compare(
      [
        user(
          { type: 'image', data: imageA },
          { type: 'image', data: imageB },
          { type: 'text', text: 'How do these differ?' },
        ),
      ],
      [imageA, imageB],
    );
  });

  it('a follow-up turn on the kept cache', async () => {
    const first = [user({ type: 'image', data: imageA }, { type: 'text', text: 'Describe it.' })];
    const turn1 = await compare(first, [imageA], 'oracle-thread');
    const followUp: ChatMessage[] = [
      ...first,
      { role: 'assistant', content: [{ type: 'text', text: turn1.text }] },
      user({ type: 'text', text: 'What else?' }),
    ];
    const turn2 = await compare(followUp, [imageA], 'oracle-thread');
    expect(turn2.stats.cachedTokens).toBeGreaterThan(0);
  });
});
