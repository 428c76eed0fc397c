/**
 * The runtime's invariants on a generated tiny SmolVLM: the KV cache changes nothing about the answer,
 * kept and cropped conversation caches answer like a fresh run, and bad input leaves the model usable.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatMessage, GenerateRequest } from '../../app/chat.ts';
import { testModelDir } from '../testing/test-models.ts';
import { noiseImage } from '../testing/images.ts';
import { Vlm } from './vlm.ts';
import { followUpVersusFresh, incrementalVersusFull } from '../testing/kv-invariants.ts';

let dir: string;
let vlm: Vlm;
let photo: Uint8Array;
let other: Uint8Array;

beforeAll(async () => {
  dir = await testModelDir({ family: 'smolvlm', size: 'tiny', dtype: 'fp32', seed: 1 });
  vlm = await Vlm.load(dir, { device: 'cpu', dtype: 'fp32' });
  photo = await noiseImage(200, 120, 1);
  other = await noiseImage(90, 160, 2);
});

afterAll(async () => {
  await vlm?.dispose();
});

const user = (...content: ChatMessage['content']): ChatMessage => ({ role: 'user', content });
const text = (t: string) => ({ type: 'text' as const, text: t });
const image = (data: Uint8Array) => ({ type: 'image' as const, data });
const greedy = (messages: ChatMessage[], extra: Partial<GenerateRequest> = {}, maxTokens = 12) =>
  vlm.generate({ messages, sampling: { maxTokens, ignoreEos: true }, ...extra }, () => {});

describe('Vlm on a tiny generated SmolVLM', () => {
  it('reports where each graph runs', () => {
    expect(vlm.info.family).toBe('smolvlm');
    expect(vlm.info.providers.decoder).toEqual({
      provider: 'cpu',
      dtype: 'fp32',
      cache: 'appended in place',
    });
  });

  it('streams an answer whose deltas add up to the text', async () => {
    const deltas: string[] = [];
    const result = await vlm.generate(
      { messages: [user(image(photo), text('What is this?'))], sampling: { maxTokens: 16, ignoreEos: true } },
      (d) => deltas.push(d),
    );
    expect(result.tokenIds).toHaveLength(16);
    expect(deltas.join('')).toBe(result.text);
    expect(result.finishReason).toBe('length');
    expect(result.stats.promptTokens).toBeGreaterThan(100);
  });

  it('decodes incrementally with the cache exactly as a full recompute', async () => {
    const messages = [user(image(photo), text('tell me about caches'))];
    const { maxDiff, lengths, promptLength } = await incrementalVersusFull(vlm, messages, 5);
    expect(lengths).toEqual([promptLength, promptLength]);
    expect(maxDiff).toBeLessThan(1e-4);
  });

  it('answers a follow-up on the kept cache exactly as recomputing the conversation', async () => {
    const first = [user(image(photo), text('Describe the picture.'))];
    const { turn1, kept, fresh } = await followUpVersusFresh(vlm, first, 'And the colours?');
    expect(kept.stats.cachedTokens).toBeGreaterThan(turn1.stats.promptTokens - 1);
    expect(kept.stats.imagesFromCache).toBe(1);
    expect(fresh.stats.cachedTokens).toBe(0);
    expect(kept.tokenIds).toEqual(fresh.tokenIds);
  });

  it('crops the cache where an edited message diverges and answers as a fresh run', async () => {
    const original = [user(image(photo), text('What colour dominates?'))];
    await greedy(original, { threadId: 'edit' });
    const edited = [user(image(photo), text('What shape dominates?'))];
    const cropped = await greedy(edited, { threadId: 'edit' });
    const fresh = await greedy(edited);
    expect(cropped.stats.cachedTokens).toBeGreaterThan(0);
    expect(cropped.stats.cachedTokens).toBeLessThan(cropped.stats.promptTokens);
    expect(cropped.tokenIds).toEqual(fresh.tokenIds);
  });

  it('does not reuse the cache across a different image with the same token ids', async () => {
    await greedy([user(image(photo), text('Hi'))], { threadId: 'swap' });
    const swapped = await greedy([user(image(await noiseImage(200, 120, 99)), text('Hi'))], {
      threadId: 'swap',
    });
    const fresh = await greedy([user(image(await noiseImage(200, 120, 99)), text('Hi'))]);
    expect(swapped.tokenIds).toEqual(fresh.tokenIds);
    expect(swapped.stats.cachedTokens).toBeLessThan(10);
  });

  it('answers about two images in one message', async () => {
    const result = await greedy([user(image(photo), image(other), text('Compare them.'))]);
    const single = await greedy([user(image(photo), text('Compare them.'))]);
    expect(result.stats.promptTokens).toBeGreaterThan(single.stats.promptTokens);
    expect(result.tokenIds).toHaveLength(12);
  });

  it('changes the answer when the image changes', async () => {
    const a = await greedy([user(image(photo), text('What is this?'))], {}, 20);
    const b = await greedy([user(image(other), text('What is this?'))], {}, 20);
    expect(a.tokenIds).not.toEqual(b.tokenIds);
  });

  it('reproduces sampled answers with a seed', async () => {
    const sample = (seed: number) =>
      vlm.generate(
        {
          messages: [user(image(photo), text('Go'))],
          sampling: { temperature: 1, topP: 0.9, seed, maxTokens: 16 },
        },
        () => {},
      );
    expect((await sample(5)).tokenIds).toEqual((await sample(5)).tokenIds);
  });

  it('stops at a stop string', async () => {
    const free = await greedy([user(text('Say something.'))], {}, 24);
    const stopAt = free.text.slice(3, 5);
    const stopped = await vlm.generate(
      {
        messages: [user(text('Say something.'))],
        sampling: { maxTokens: 24, ignoreEos: true, stop: [stopAt] },
      },
      () => {},
    );
    expect(stopped.finishReason).toBe('stop');
    expect(stopped.text).toBe(free.text.slice(0, free.text.indexOf(stopAt)));
  });

  it('aborts mid-answer and stays ready for the next request', async () => {
    const controller = new AbortController();
    let deltas = 0;
    const aborted = await vlm.generate(
      { messages: [user(image(photo), text('Talk.'))], sampling: { maxTokens: 500, ignoreEos: true } },
      () => {
        if (++deltas === 3) controller.abort();
      },
      controller.signal,
    );
    expect(aborted.finishReason).toBe('aborted');
    expect(aborted.tokenIds.length).toBeLessThan(500);
    const next = await greedy([user(text('Still there?'))], {}, 4);
    expect(next.tokenIds).toHaveLength(4);
  });

  it('bounds kept conversation caches by the memory budget', async () => {
    const small = await Vlm.load(dir, { device: 'cpu', dtype: 'fp32', kvBudgetBytes: 200_000 });
    try {
      for (const threadId of ['a', 'b', 'c', 'd']) {
        await small.generate(
          { threadId, messages: [user(text(`Thread ${threadId} `.repeat(20)))], sampling: { maxTokens: 2 } },
          () => {},
        );
      }
      expect(small.stats().kvCacheBytes).toBeLessThanOrEqual(200_000);
      expect(small.stats().threadsCached).toBeLessThan(4);
      expect(small.stats().threadsCached).toBeGreaterThan(0);
    } finally {
      await small.dispose();
    }
  });
});
