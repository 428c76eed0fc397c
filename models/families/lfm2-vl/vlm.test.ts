/**
 * LFM2-VL's own runtime cases on its generated tiny model (the shared ones: models/families/conformance-vlm.test.ts):
 * the hybrid cache's feeds, and the conv-state rule (a kept cache is reused only when the new prompt extends all
 * of it — an edited earlier message or a regenerated answer recomputes from scratch; no crop).
 */
import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../../app/chat.ts';
import { DecoderStepper } from '../../runtime/generate.ts';
import { KvCache } from '../../runtime/kv-cache.ts';
import { cpuData } from '../../runtime/onnx.ts';
import { noiseImage } from '../../testing/images.ts';
import { promptEmbeds } from '../../testing/kv-invariants.ts';
import { image, text, useTestVlm, user } from '../../testing/vlm-fixture.ts';

const fx = useTestVlm({ family: 'lfm2-vl' }, () => ({
  photo: noiseImage(200, 120, 1),
}));
const greedy = (messages: ChatMessage[], threadId?: string, maxTokens = 12) =>
  fx.greedy(messages, maxTokens, threadId);

describe('Vlm on a tiny generated LFM2-VL', () => {
  it('loads with a hybrid cache', () => {
    const cache = KvCache.empty(fx.vlm.parts.decoder.session);
    const feeds = cache.feeds();
    // Conv layers 0 and 2 hold a zero window [1, hidden, L_cache]; attention layers 1 and 3 start empty (the
    // appended cache feeds its one zero row).
    expect(Object.keys(feeds).sort()).toEqual([
      'past_conv.0',
      'past_conv.2',
      'past_key_values.1.key',
      'past_key_values.1.value',
      'past_key_values.3.key',
      'past_key_values.3.value',
    ]);
    const conv = feeds['past_conv.0'];
    expect(conv?.dims).toEqual([1, 64, 3]);
    expect(Array.from(cpuData(conv as never) as Float32Array).every((v) => v === 0)).toBe(true);
    expect(feeds['past_key_values.1.key']?.dims).toEqual([1, 2, 16]);
    expect(cache.croppable).toBe(false);
  });

  it('reuses the whole kept cache when the new prompt extends exactly what it holds', async () => {
    const threadId = 'extend-thread';
    const first = [user(image(fx.images.photo), text('Describe it.'))];
    // One answer token: it is sampled but never fed, so the cache holds exactly the first prompt.
    const turn1 = await greedy(first, threadId, 1);
    const second: ChatMessage[] = [
      ...first,
      { role: 'assistant', content: [text(turn1.text)] },
      user(text('More?')),
    ];
    const kept = await greedy(second, threadId);
    expect(kept.stats.cachedTokens).toBe(turn1.stats.promptTokens);
    expect(kept.tokenIds).toEqual((await greedy(second)).tokenIds);
    fx.vlm.forgetThread(threadId);
  });

  it('recomputes from scratch when an earlier message was edited or the answer is regenerated', async () => {
    const threadId = 'edited-thread';
    const first = [user(image(fx.images.photo), text('Describe it.'))];
    const turn1 = await greedy(first, threadId, 1);
    const kept = await greedy(
      [...first, { role: 'assistant', content: [text(turn1.text)] }, user(text('More?'))],
      threadId,
    );
    expect(kept.stats.cachedTokens).toBe(turn1.stats.promptTokens);
    // The first question edited: the tokens part before the cache's end, and a conv state cannot be cut back.
    const edited: ChatMessage[] = [user(image(fx.images.photo), text('Describe it briefly.'))];
    const afterEdit = await greedy(edited, threadId);
    expect(afterEdit.stats.cachedTokens).toBe(0);
    expect(afterEdit.tokenIds).toEqual((await greedy(edited)).tokenIds);
    // The same prompt again (regenerate): the cache holds more than the prompt, so it is not reused either.
    const again = await greedy(edited, threadId);
    expect(again.stats.cachedTokens).toBe(0);
    expect(again.tokenIds).toEqual(afterEdit.tokenIds);
    fx.vlm.forgetThread(threadId);
  });

  it('refuses to crop a cache holding conv states', async () => {
    const cache = KvCache.empty(fx.vlm.parts.decoder.session);
    const { ids, embeds } = await promptEmbeds(fx.vlm, [user(text('Hello there'))]);
    const stepper = new DecoderStepper(fx.vlm.parts.decoder.session, cache);
    await stepper.feed(ids, embeds);
    await expect(stepper.cache.crop(2)).rejects.toThrow(/convolution states cannot be cropped/);
    expect(await stepper.cache.crop(ids.length)).toBe(stepper.cache);
    stepper.cache.dispose();
  });
});
