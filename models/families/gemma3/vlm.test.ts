/**
 * The runtime, unchanged, on a generated tiny Gemma 3: KV-cache invariants (incremental = full recompute across
 * the sliding window with the image features in the prompt, a follow-up on the kept cache = recompute, pan-and-scan
 * included), answers that depend on the image and on the detail, and `tessera plan` / `tessera ask` on the folder.
 */
import { describe, expect, it } from 'vitest';
import { decodeImage } from '../../image/decode.ts';
import { buildPrompt } from '../../runtime/prompt.ts';
import { noiseImage } from '../../testing/images.ts';
import {
  expectFollowUpMatchesFresh,
  expectIncrementalMatchesFull,
  promptEmbeds,
} from '../../testing/kv-invariants.ts';
import { image, text, useTesseraCli, useTestVlm, user } from '../../testing/vlm-fixture.ts';

const fx = useTestVlm({ family: 'gemma3' }, () => ({
  photo: noiseImage(200, 120, 1),
  other: noiseImage(90, 160, 2),
  /** 3:1 and at least 256 px per crop: pan-and-scan makes three crops at high detail. */
  wide: noiseImage(900, 300, 3),
}));

describe('Vlm on a tiny generated Gemma 3', () => {
  it('loads as the gemma3 family with one vision input and the low default detail', () => {
    expect(fx.vlm.info.family).toBe('gemma3');
    expect(fx.vlm.parts.family.visionInputNames).toEqual(['pixel_values']);
    expect(fx.vlm.parts.family.defaultDetail).toBe('low');
    expect(fx.vlm.parts.contextLength).toBe(4096);
  });

  it('builds the prompt with the image sequence inside the user turn: 16 soft tokens between the markers', async () => {
    const { vlm, images } = fx;
    const { ids, imageTokens } = await promptEmbeds(vlm, [user(image(images.photo), text('What is this?'))]);
    const { tokenId } = vlm.parts.text;
    expect(imageTokens).toBe(16);
    const start = ids.indexOf(tokenId('<start_of_image>') ?? -1);
    expect(start).toBeGreaterThan(0);
    expect(ids.slice(start + 1, start + 17).every((id) => id === vlm.parts.family.imageTokenId)).toBe(true);
    expect(ids[start + 17]).toBe(tokenId('<end_of_image>'));
    expect(ids[0]).toBe(tokenId('<bos>'));
  });

  it('decodes incrementally through the cache exactly as a full recompute, past the sliding window', async () => {
    const messages = [
      user(image(fx.images.photo), text('Tell me about the caches in this picture, please, in detail.')),
    ];
    const promptLength = await expectIncrementalMatchesFull(fx.vlm, messages, [5, 12]);
    expect(promptLength).toBeGreaterThan(24); // the tiny window
  });

  it('answers a follow-up on the kept cache exactly as recomputing the conversation (low and high detail)', async () => {
    for (const part of [image(fx.images.photo), image(fx.images.wide, 'high')]) {
      await expectFollowUpMatchesFresh(fx.vlm, [user(part, text('Describe it.'))]);
    }
  });

  it('changes the answer when the image changes', async () => {
    const a = await fx.ask(image(fx.images.photo));
    const b = await fx.ask(image(fx.images.other));
    expect(a.tokenIds).not.toEqual(b.tokenIds);
  });

  it('high detail on a wide image: the whole view then three crops, each its own sequence, and another answer', async () => {
    const { vlm, images } = fx;
    const decoded = await decodeImage(images.wide);
    const plan = vlm.parts.family.planImage(decoded, 'high');
    expect(plan.imageTokens).toBe(64);
    const prompt = buildPrompt(
      [user(image(images.wide, 'high'), text('Hi'))],
      [{ key: 'w', plan }],
      vlm.parts.family,
      vlm.parts.text,
    );
    expect(prompt.spans).toHaveLength(1);
    expect(prompt.ids.filter((id) => id === vlm.parts.text.tokenId('<start_of_image>'))).toHaveLength(4);
    expect(vlm.parts.text.decode(prompt.ids)).toContain('Here is the original image');
    // Feature rows follow the views: rows 0…15 (the whole image) come first.
    const rows = Array.from(prompt.featureRow).filter((r) => r >= 0);
    expect(rows).toEqual(Array.from({ length: 64 }, (_, i) => i));

    const low = await fx.ask(image(images.wide, 'low'));
    const high = await fx.ask(image(images.wide, 'high'));
    expect(high.stats.promptTokens).toBeGreaterThan(low.stats.promptTokens + 48);
    expect(high.tokenIds).not.toEqual(low.tokenIds);
    // A square-ish image has no crops: high is the single view.
    const squareHigh = await fx.ask(image(images.photo, 'high'));
    const squareLow = await fx.ask(image(images.photo, 'low'));
    expect(squareHigh.tokenIds).toEqual(squareLow.tokenIds);
  });

  it('answers about two images in one message', async () => {
    const { photo, other } = fx.images;
    const two = await fx.greedy([user(image(photo), image(other), text('Compare them.'))]);
    const one = await fx.greedy([user(image(photo), text('Compare them.'))]);
    expect(two.stats.promptTokens - one.stats.promptTokens).toBeGreaterThanOrEqual(18);
    expect(two.tokenIds).toHaveLength(12);
  });
});

describe('tessera plan / ask on the Gemma 3 folder', () => {
  const cli = useTesseraCli('gemma3');

  it('plan prints the pan-and-scan crops at high detail', () => {
    const view = { inputWidth: 224, inputHeight: 224, tokens: 16 };
    expect(cli.plan(fx.dir, '--size', '1000x400', '--detail', 'high')).toEqual({
      family: 'gemma3',
      detail: 'high',
      original: { width: 1000, height: 400 },
      resized: { width: 224, height: 224 },
      grid: { rows: 1, cols: 3, unit: 'tiles' },
      tiles: [
        { x: 0, y: 0, width: 334, height: 400, ...view },
        { x: 334, y: 0, width: 334, height: 400, ...view },
        { x: 668, y: 0, width: 332, height: 400, ...view },
      ],
      global: { x: 0, y: 0, width: 1000, height: 400, ...view },
      imageTokens: 64,
      promptTokens: 64 + 16 + 16,
    });
  });

  it('ask streams an answer', () => {
    cli.expectAskStreams(fx.dir, fx.images.photo);
  });
});
