/**
 * The runtime, with no change to its generation loop, on a generated tiny LFM2-VL: KV-cache invariants with the
 * hybrid cache (incremental = full recompute; a follow-up on the kept thread = recompute), the conv-state rule
 * (a kept cache is reused only when the new prompt extends all of it — an edited earlier message or a
 * regenerated answer recomputes from scratch), answers that depend on the image and its detail, and the
 * `tessera plan` / `tessera ask` commands on the folder.
 */
import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../../app/chat.ts';
import { DecoderStepper } from '../../runtime/generate.ts';
import { KvCache } from '../../runtime/kv-cache.ts';
import { cpuData } from '../../runtime/onnx.ts';
import { noiseImage } from '../../testing/images.ts';
import {
  expectFollowUpMatchesFresh,
  expectIncrementalMatchesFull,
  promptEmbeds,
} from '../../testing/kv-invariants.ts';
import { image, text, useTesseraCli, useTestVlm, user } from '../../testing/vlm-fixture.ts';

const fx = useTestVlm({ family: 'lfm2-vl' }, () => ({
  photo: noiseImage(200, 120, 1),
  other: noiseImage(90, 160, 2),
}));
const greedy = (messages: ChatMessage[], threadId?: string, maxTokens = 12) =>
  fx.greedy(messages, maxTokens, threadId);

describe('Vlm on a tiny generated LFM2-VL', () => {
  it('loads as the lfm2_vl family with its three vision inputs and a hybrid cache', () => {
    expect(fx.vlm.info.family).toBe('lfm2_vl');
    expect(fx.vlm.parts.family.visionInputNames).toEqual([
      'pixel_values',
      'pixel_attention_mask',
      'spatial_shapes',
    ]);
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

  it('builds <|image_start|> tiles, thumbnail <|image_end|> into the ChatML prompt', async () => {
    const { ids, imageTokens } = await promptEmbeds(fx.vlm, [
      user(image(fx.images.photo), text('What is this?')),
    ]);
    const { family, text: tokenizer } = fx.vlm.parts;
    expect(imageTokens).toBe(16 + 16 + 15);
    expect(ids.filter((id) => id === family.imageTokenId)).toHaveLength(imageTokens);
    expect(ids[0]).toBe(tokenizer.tokenId('<|startoftext|>'));
    const textOnly = tokenizer.encode(
      '<|startoftext|><|im_start|>user\nWhat is this?<|im_end|>\n<|im_start|>assistant\n',
    );
    // + start, end, two tile markers and the thumbnail marker.
    expect(ids.length).toBe(textOnly.length + imageTokens + 5);
  });

  it('decodes incrementally through the conv states and keys/values exactly as a full recompute', async () => {
    const messages = [user(image(fx.images.photo), text('Tell me about the caches in this picture.'))];
    // A head that ends inside the image rows, and one of a single token.
    await expectIncrementalMatchesFull(fx.vlm, messages, [5, 30, 1]);
  });

  it('answers a follow-up on the kept thread exactly as recomputing it', async () => {
    const first = [user(image(fx.images.photo), text('Describe it.'))];
    const { turn1, kept } = await expectFollowUpMatchesFresh(fx.vlm, first, 'own');
    // The answer's text re-tokenizes into other ids than were fed, so the cache is no prefix of the new prompt:
    // a conv state cannot be cut back to the common prefix, so all of it is recomputed — never part of it.
    const whole = turn1.stats.promptTokens + turn1.tokenIds.length - 1;
    expect([0, whole]).toContain(kept.stats.cachedTokens);
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

  it('changes the answer when the image or its detail changes', async () => {
    const a = await fx.ask(image(fx.images.photo));
    const b = await fx.ask(image(fx.images.other));
    expect(a.tokenIds).not.toEqual(b.tokenIds);
    const low = await fx.ask(image(fx.images.photo, 'low'));
    expect(low.tokenIds).not.toEqual(a.tokenIds);
    // low: one 80×48 view (15 tokens, start and end markers) instead of 2 tiles + thumbnail.
    expect(a.stats.promptTokens - low.stats.promptTokens).toBe(32 + 3);
  });

  it('answers about two images in one message', async () => {
    const two = await greedy([user(image(fx.images.photo), image(fx.images.other), text('Compare them.'))]);
    const one = await greedy([user(image(fx.images.photo), text('Compare them.'))]);
    const otherPlan = fx.vlm.parts.family.planImage(
      { width: 90, height: 160 },
      fx.vlm.parts.family.defaultDetail,
    );
    expect(two.stats.promptTokens - one.stats.promptTokens).toBe(otherPlan.promptTokens);
    expect(two.tokenIds).toHaveLength(12);
  });
});

describe('tessera plan / ask on the LFM2-VL folder', () => {
  const cli = useTesseraCli('lfm2-vl');

  it('plan prints the tiles and the thumbnail', () => {
    expect(cli.plan(fx.dir, '--size', '200x120')).toEqual({
      family: 'lfm2_vl',
      detail: 'high',
      original: { width: 200, height: 120 },
      resized: { width: 128, height: 64 },
      grid: { rows: 1, cols: 2, unit: 'tiles' },
      tiles: [
        { x: 0, y: 0, width: 100, height: 120, inputWidth: 64, inputHeight: 64, tokens: 16 },
        { x: 100, y: 0, width: 100, height: 120, inputWidth: 64, inputHeight: 64, tokens: 16 },
      ],
      global: { x: 0, y: 0, width: 200, height: 120, inputWidth: 80, inputHeight: 48, tokens: 15 },
      imageTokens: 47,
      promptTokens: 52,
    });
  });

  it('ask streams an answer', () => {
    cli.expectAskStreams(fx.dir, fx.images.photo);
  });
});
