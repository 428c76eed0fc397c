/**
 * Video parts through the engine (Vlm.generate) on the generated Qwen2-VL / Qwen2.5-VL models: the engine
 * plans the clip from its facts, checks the decoded frames against the plan, encodes them and expands the
 * prompt; a video with an image in one message; a follow-up on the kept thread equals a fresh run; a family
 * without video and frames that do not match the plan are refused by name.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatMessage, VideoPart } from '../../../app/chat.ts';
import { decodeImage, imageHash } from '../../image/decode.ts';
import { Vlm } from '../../runtime/vlm.ts';
import { followUpVersusFresh } from '../../testing/kv-invariants.ts';
import { noiseImage } from '../../testing/images.ts';
import { type QwenTestVariant, qwenTestModel } from './testing.ts';

/** A 2-second clip at 2 fps, 56×56: the plan samples all 4 frames and enlarges them to 336×336 (288 tokens). */
async function clip(seed: number): Promise<VideoPart> {
  const frames = await Promise.all(
    [0, 1, 2, 3].map(async (i) => {
      const { width, height, data } = await decodeImage(await noiseImage(56, 56, seed + i));
      return { width, height, data };
    }),
  );
  return { type: 'video', source: { size: { width: 56, height: 56 }, totalFrames: 4, frameRate: 2 }, frames };
}

const ask = (...content: ChatMessage['content']): ChatMessage[] => [{ role: 'user', content }];

describe.each<QwenTestVariant>(['qwen2-vl', 'qwen2.5-vl'])('%s: video parts in the engine', (variant) => {
  let vlm: Vlm;
  beforeAll(async () => {
    vlm = await Vlm.load(await qwenTestModel(variant), { device: 'cpu', dtype: 'fp32' });
  });
  afterAll(() => vlm?.dispose());

  const greedy = (messages: ChatMessage[]) =>
    vlm.generate({ messages, sampling: { maxTokens: 6, ignoreEos: true } }, () => {});

  it('answers about a clip: 288 <|video_pad|> tokens between the vision markers, as countTokens says', async () => {
    const messages = ask(await clip(1), { type: 'text', text: 'What happens?' });
    const textOnly = vlm.countTokens(ask({ type: 'text', text: 'What happens?' }), {}).promptTokens;
    const counted = vlm.countTokens(messages, {}).promptTokens;
    expect(counted - textOnly).toBe(288 + 2);
    const result = await greedy(messages);
    expect(result.stats.promptTokens).toBe(counted);
    expect(result.tokenIds).toHaveLength(6);
  });

  it('takes an image and a video in one message', async () => {
    const image = await noiseImage(56, 84, 7);
    const messages = ask({ type: 'image', data: image }, { type: 'text', text: 'and' }, await clip(1), {
      type: 'text',
      text: 'Compare.',
    });
    const result = await greedy(messages);
    expect(result.stats.promptTokens).toBe(vlm.countTokens(messages, await sizeOf(image)).promptTokens);
    expect(result.stats.imagesEncoded + result.stats.imagesFromCache).toBe(1);
  });

  it('a follow-up on the kept thread gives the fresh run’s tokens (the cache holds the video)', async () => {
    const { kept, fresh } = await followUpVersusFresh(
      vlm,
      ask(await clip(3), { type: 'text', text: 'Why?' }),
      'More?',
    );
    expect(kept.stats.cachedTokens).toBeGreaterThan(288);
    expect(kept.tokenIds).toEqual(fresh.tokenIds);
  });

  it('refuses frames that are not the ones the plan samples, saying which', async () => {
    const video = await clip(1);
    const short = { ...video, frames: video.frames.slice(0, 3) };
    await expect(greedy(ask(short, { type: 'text', text: '?' }))).rejects.toThrow(
      /holds 3 frames but the model's plan samples 4 \(frames 0, 1, 2, 3\)/,
    );
  });
});

async function sizeOf(bytes: Uint8Array) {
  const { width, height } = await decodeImage(bytes);
  return { [imageHash(bytes)]: { width, height } };
}
