/**
 * Video parts through the engine (Vlm.generate) on the generated tiny SmolVLM model given SmolVLM2's
 * video_sampling: the clip planned from its facts, each frame one 64×64 global view of image_seq_len tokens
 * with its timestamp text; a video with an image in one message; a follow-up on the kept thread equals a fresh
 * run; every frame's pixels change the answer's logits; frames that do not match the plan are refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatMessage, VideoPart } from '../../../app/chat.ts';
import { decodeImage } from '../../image/decode.ts';
import { readModelJson } from '../../runtime/model-folder.ts';
import { Vlm } from '../../runtime/vlm.ts';
import { noiseImage } from '../../testing/images.ts';
import { followUpVersusFresh } from '../../testing/kv-invariants.ts';
import { loadTextModel } from '../../text/tokenizer.ts';
import { readSmolVlmConfig } from './config.ts';
import { smolvlm } from './geometry.ts';
import { smolvlm2TestModel } from './testing.ts';
import { type SmolVlmVideoPlan, templateTextPieces } from './video-plan.ts';

/** 3 s at 2 fps, 48×32: at 1 fps the plan samples round(3) = 3 frames, 0, 2 and 5 (linspace 0…5, truncated). */
async function clip(seed: number, changed = -1): Promise<VideoPart> {
  const frames = await Promise.all(
    [0, 1, 2].map(async (i) => {
      const { width, height, data } = await decodeImage(
        await noiseImage(48, 32, seed + i + (i === changed ? 50 : 0)),
      );
      return { width, height, data };
    }),
  );
  return { type: 'video', source: { size: { width: 48, height: 32 }, totalFrames: 6, frameRate: 2 }, frames };
}

const ask = (...content: ChatMessage['content']): ChatMessage[] => [{ role: 'user', content }];

describe('SmolVLM2: video parts in the engine', () => {
  let vlm: Vlm;
  let seqLen: number;
  let dir: string;
  beforeAll(async () => {
    dir = await smolvlm2TestModel();
    vlm = await Vlm.load(dir, { device: 'cpu', dtype: 'fp32' });
    seqLen = readSmolVlmConfig(readModelJson(dir)).imageSeqLen;
  });
  afterAll(() => vlm?.dispose());

  const greedy = (messages: ChatMessage[]) =>
    vlm.generate({ messages, sampling: { maxTokens: 4, ignoreEos: true } }, () => {});

  it('plans three frames and answers, the prompt as long as countTokens says', async () => {
    const messages = ask(await clip(1), { type: 'text', text: 'What happens?' });
    const counted = vlm.countTokens(messages, {}).promptTokens;
    const textOnly = vlm.countTokens(ask({ type: 'text', text: 'What happens?' }), {}).promptTokens;
    // Three global views (image_seq_len + 3 markers) and the intro and timestamp words.
    expect(counted - textOnly).toBeGreaterThan(3 * (seqLen + 3));
    const result = await greedy(messages);
    expect(result.stats.promptTokens).toBe(counted);
    expect(result.tokenIds).toHaveLength(4);
  });

  it("the plan's prompt tokens (the app's estimate) are the engine's count, word for word", async () => {
    const video = await clip(1);
    const question = { type: 'text' as const, text: 'What happens?' };
    const added =
      vlm.countTokens(ask(video, question), {}).promptTokens -
      vlm.countTokens(ask(question), {}).promptTokens;
    const plan = smolvlm.bind(readModelJson(dir)).planVideo?.(video.source, {}) as SmolVlmVideoPlan;
    // The plan counts each pre-tokenizer piece of its text as one token, as SmolVLM2's 49k vocabulary holds
    // them; this generated model's small vocabulary cuts words its corpus lacks into more, which are added
    // here from its own tokenizer (split > 0). Digits, ':', newlines and the markers must agree exactly.
    const text = loadTextModel(dir);
    const labels = plan.timestamps.map((t) => `\nFrame from ${t}:`);
    const split = [plan.intro, ...labels]
      .flatMap(templateTextPieces)
      .reduce((sum, piece) => sum + text.encode(piece).length - 1, 0);
    expect(split).toBeGreaterThan(0);
    expect(added).toBe(plan.promptTokens + split);
    expect(plan.frameCosts?.map((f) => f.label)).toEqual(labels.map((l) => l.trim()));
  });

  it('takes an image and a video in one message', async () => {
    const image = await noiseImage(40, 40, 9);
    const messages = ask({ type: 'image', data: image }, { type: 'text', text: 'and' }, await clip(1), {
      type: 'text',
      text: 'Compare.',
    });
    const result = await greedy(messages);
    expect(result.stats.imagesEncoded + result.stats.imagesFromCache).toBe(1);
    expect(result.tokenIds).toHaveLength(4);
  });

  it('a follow-up on the kept thread gives the fresh run’s tokens (the cache holds the video)', async () => {
    const { kept, fresh } = await followUpVersusFresh(
      vlm,
      ask(await clip(3), { type: 'text', text: 'Why?' }),
      'More?',
    );
    expect(kept.stats.cachedTokens).toBeGreaterThan(3 * seqLen);
    expect(kept.tokenIds).toEqual(fresh.tokenIds);
  });

  it("every frame's pixels reach the answer", async () => {
    const logitsOf = async (video: VideoPart) => {
      const result = await vlm.generate(
        { messages: ask(video, { type: 'text', text: '?' }), sampling: { maxTokens: 1, confidence: true } },
        () => {},
      );
      expect(result.confidence).toHaveLength(1);
      return JSON.stringify(result.confidence);
    };
    const base = await logitsOf(await clip(5));
    for (const frame of [0, 1, 2]) expect(await logitsOf(await clip(5, frame))).not.toBe(base);
  });

  it('refuses frames that are not the ones the plan samples, saying which', async () => {
    const video = await clip(1);
    const short = { ...video, frames: video.frames.slice(0, 2) };
    await expect(greedy(ask(short, { type: 'text', text: '?' }))).rejects.toThrow(
      /holds 2 frames but the model's plan samples 3 \(frames 0, 2, 5\)/,
    );
  });
});
