/**
 * Oracle: transformers.js (LlavaProcessor over CLIPImageProcessor, LlavaQwen2ForCausalLM) loads the same generated
 * FastVLM folder. Its processor must produce Tessera's input ids (16 <image> tokens in the tiny model); its greedy
 * generation, fed Tessera's pixels (the two resizes differ, as for LLaVA), must produce Tessera's tokens, for one
 * image and for a follow-up on the kept cache. The pixel tensors are compared where nothing is resized.
 */
import type { Tensor } from '@huggingface/transformers';
import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../../app/chat.ts';
import { noiseImage } from '../../testing/images.ts';
import {
  compareFollowUp,
  maxAbsDiff,
  rawImage,
  tesseraFeeds,
  useOracle,
} from '../../testing/transformers-oracle.ts';
import { image, text, useTestVlm, user } from '../../testing/vlm-fixture.ts';

const fx = useTestVlm({ family: 'fastvlm', size: 'tiny', dtype: 'fp32', seed: 1 }, () => ({
  photo: noiseImage(300, 200, 11),
}));
const oracle = useOracle(fx);

// LlavaProcessor takes the images first; its greedy generation runs on Tessera's pixels.
const compare = (messages: ChatMessage[], threadId?: string) =>
  oracle.compare(messages, [fx.images.photo], { imagesFirst: true, threadId });

describe('FastVLM against transformers.js', () => {
  it('one image and a question: same input ids (16 <image> tokens), same 24 greedy tokens', async () => {
    const { run } = await compare([user(image(fx.images.photo), text('What are these?'))]);
    expect(run.prompt).toBe(
      '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n<image>\nWhat are these?<|im_end|>\n<|im_start|>assistant\n',
    );
    expect(run.inputIds.filter((id) => id === fx.vlm.parts.family.imageTokenId)).toHaveLength(16);
    expect((run.inputs.pixel_values as Tensor).dims).toEqual([1, 3, 256, 256]);
  });

  it('a follow-up turn on the kept cache', async () => {
    const first = [user(image(fx.images.photo), text('Describe it.'))];
    const compareOn = async (m: ChatMessage[], t: string) => (await compare(m, t)).result;
    const [, turn2] = await compareFollowUp(first, compareOn, 'fastvlm-oracle');
    expect(turn2.stats.cachedTokens).toBeGreaterThan(0);
  });

  it('processor pixel_values are equal where nothing is resized (values in [0, 1]: mean 0, std 1)', async () => {
    const square = await noiseImage(256, 300, 3); // short side already 256: both only crop
    const ours = (await tesseraFeeds(fx.vlm, square)).feeds.pixel_values?.data as Float32Array;
    const theirs = (await oracle.processor.image_processor?.(await rawImage(square)))?.pixel_values as Tensor;
    expect(maxAbsDiff(ours, theirs.data as Float32Array)).toBe(0);
    expect(ours.every((v) => v >= 0 && v <= 1)).toBe(true);
  });
});
