/**
 * What an answer's anatomy panel reads from the engine's stats (issue 18): each prompt image with the plan
 * it ran and whether its features were made for this answer, the graph files, and the decode rates.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../app/chat.ts';
import { noiseImage } from '../testing/images.ts';
import { testModelDir } from '../testing/test-models.ts';
import { FIRST_WINDOW } from './decode-rates.ts';
import { Vlm } from './vlm.ts';

let vlm: Vlm;
let photo: Uint8Array;

beforeAll(async () => {
  vlm = await Vlm.load(await testModelDir({ family: 'smolvlm', size: 'tiny', dtype: 'fp32', seed: 1 }), {
    device: 'cpu',
    dtype: 'fp32',
  });
  photo = await noiseImage(200, 120, 3);
});

afterAll(async () => {
  await vlm?.dispose();
});

const ask = (content: ChatMessage['content'], maxTokens: number) =>
  vlm.generate({ messages: [{ role: 'user', content }], sampling: { maxTokens, ignoreEos: true } }, () => {});

describe('the stats behind an answer’s anatomy', () => {
  it('records each image’s plan, whether it was encoded for this answer, and the graphs', async () => {
    const content: ChatMessage['content'] = [
      { type: 'image', data: photo, detail: 'high' },
      { type: 'text', text: 'What is this?' },
    ];
    const first = await ask(content, 4);
    const [image] = first.stats.images ?? [];
    expect(image?.cached).toBe(false);
    expect(image?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(image?.plan.original).toEqual({ width: 200, height: 120 });
    expect(image?.plan.imageTokens).toBeGreaterThan(0);
    expect(image?.encodeMs).toBeGreaterThan(0);
    expect(first.stats.graphs?.vision).toMatch(/^vision_encoder.*\.onnx$/);
    expect(first.stats.graphs?.decoder).toMatch(/^decoder_model_merged.*\.onnx$/);
    // The tiny SmolVLM's vision_config.patch_size.
    expect(first.stats.patchSize).toBe(8);

    const again = await ask(content, 4);
    expect(again.stats.images?.[0]).toEqual({ ...image, cached: true });
  });

  it('records decode speed per window of tokens, covering every decode step', async () => {
    const result = await ask([{ type: 'text', text: 'Count.' }], 40);
    const rates = result.stats.decodeRates;
    expect(rates?.window).toBe(FIRST_WINDOW);
    // 40 tokens are 39 decode steps after the first token (which prefill produced): 16 + 16 + 7.
    expect(rates?.tokensPerSecond).toHaveLength(3);
    for (const rate of rates?.tokensPerSecond ?? []) expect(rate).toBeGreaterThan(0);
    expect(result.stats.images).toEqual([]);
  });
});
