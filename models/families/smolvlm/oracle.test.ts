/**
 * Oracle: transformers.js, an independent implementation, loads the same generated SmolVLM folder. Its
 * processor must produce the same input ids as Tessera, and its greedy generation — fed Tessera's pixel
 * tensors, so the comparison isolates the runtime (where the two processors differ on purpose, see
 * docs/preprocessing.md) — must produce the same token ids, for one image, two images and a follow-up turn.
 */
import { AutoModelForVision2Seq, Tensor } from '@huggingface/transformers';
import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../../app/chat.ts';
import { noiseImage } from '../../testing/images.ts';
import { testModelDir } from '../../testing/test-models.ts';
import type { TensorData } from '../../tensor.ts';
import {
  type HfModel,
  compareFollowUp,
  expectQ4Agrees,
  useOracle,
} from '../../testing/transformers-oracle.ts';
import { image, text, useTestVlm, user } from '../../testing/vlm-fixture.ts';

const fx = useTestVlm({ family: 'smolvlm', size: 'tiny', dtype: 'fp32', seed: 1 }, () => ({
  imageA: noiseImage(200, 120, 11),
  imageB: noiseImage(90, 160, 12, 'jpeg'),
}));
const oracle = useOracle(fx, { modelClass: AutoModelForVision2Seq });

/** Tessera's frames of every image, one after another, as one [1, frames, 3, size, size] batch and its mask. */
function smolvlmFeeds(ours: Record<string, TensorData>[]) {
  const frames = ours.map((f) => f.pixel_values as { data: Float32Array; dims: readonly number[] });
  const frameCount = frames.reduce((n, f) => n + (f.dims[1] as number), 0);
  const size = frames.at(-1)?.dims[3] as number;
  const pixelData = new Float32Array(frames.reduce((n, f) => n + f.data.length, 0));
  frames.reduce((at, f) => (pixelData.set(f.data, at), at + f.data.length), 0);
  const mask = new Uint8Array(frameCount * size * size).fill(1);
  return {
    pixel_values: new Tensor('float32', pixelData, [1, frameCount, 3, size, size]),
    pixel_attention_mask: new Tensor('bool', mask, [1, frameCount, size, size]),
  };
}

// Generation stops at EOS here: at least one token, not all MAX_NEW_TOKENS.
const compare = async (messages: ChatMessage[], images: Uint8Array[], threadId?: string) =>
  (await oracle.compare(messages, images, { feeds: smolvlmFeeds, threadId, full: false })).result;

describe('SmolVLM against transformers.js', () => {
  it('the q4 (MatMulNBits) variant', async () => {
    const dir = await testModelDir({ family: 'smolvlm', size: 'tiny', dtype: 'q4', seed: 1 });
    const { imageA } = fx.images;
    const messages = [user(image(imageA), text('What is in this image?'))];
    const theirs = async (reference: HfModel) =>
      (await oracle.run(messages, [imageA], { feeds: smolvlmFeeds, reference })).generated;
    await expectQ4Agrees(dir, messages, theirs, { modelClass: AutoModelForVision2Seq, full: false });
  });

  it('the q8 (dynamic int8 MatMulInteger, `_quantized`) variant', async () => {
    const dir = await testModelDir({ family: 'smolvlm', size: 'tiny', dtype: 'q8', seed: 1 });
    const { imageA } = fx.images;
    const messages = [user(image(imageA), text('What is in this image?'))];
    const theirs = async (reference: HfModel) =>
      (await oracle.run(messages, [imageA], { feeds: smolvlmFeeds, reference })).generated;
    const options = { modelClass: AutoModelForVision2Seq, full: false, dtype: 'q8' as const };
    await expectQ4Agrees(dir, messages, theirs, options);
  });

  it('one image and a question', async () => {
    const { imageA } = fx.images;
    await compare([user(image(imageA), text('What is in this image?'))], [imageA]);
  });

  it('two images in one message', async () => {
    const { imageA, imageB } = fx.images;
    await compare([user(image(imageA), image(imageB), text('How do these differ?'))], [imageA, imageB]);
  });

  it('a follow-up turn on the kept cache', async () => {
    const { imageA } = fx.images;
    const first = [user(image(imageA), text('Describe it.'))];
    const [, turn2] = await compareFollowUp(first, (m, t) => compare(m, [imageA], t));
    expect(turn2.stats.cachedTokens).toBeGreaterThan(0);
  });
});
