/**
 * The runtime, unchanged, on a generated tiny LLaVA: KV-cache invariants (incremental = full recompute with the
 * image features in the prompt, a follow-up on the kept cache = recompute), answers that depend on the image,
 * and the `tessera plan` / `tessera ask` commands on the folder.
 */
import { describe, expect, it } from 'vitest';
import { noiseImage } from '../../testing/images.ts';
import {
  expectFollowUpMatchesFresh,
  expectIncrementalMatchesFull,
  promptEmbeds,
} from '../../testing/kv-invariants.ts';
import { image, text, useTesseraCli, useTestVlm, user } from '../../testing/vlm-fixture.ts';

const fx = useTestVlm({ family: 'llava' }, () => ({
  photo: noiseImage(200, 120, 1),
  other: noiseImage(90, 160, 2),
}));

describe('Vlm on a tiny generated LLaVA', () => {
  it('loads as the llava family with one vision input', () => {
    expect(fx.vlm.info.family).toBe('llava');
    expect(fx.vlm.parts.family.visionInputNames).toEqual(['pixel_values']);
    expect(fx.vlm.parts.contextLength).toBe(4096);
  });

  it('builds the prompt as USER: <image>\\n… ASSISTANT: with the placeholder expanded to 16 image tokens', async () => {
    const { vlm, images } = fx;
    const { ids, imageTokens } = await promptEmbeds(vlm, [user(image(images.photo), text('What is this?'))]);
    const imageId = vlm.parts.family.imageTokenId;
    expect(imageTokens).toBe(16);
    expect(ids.filter((id) => id === imageId)).toHaveLength(16);
    expect(ids[0]).toBe(vlm.parts.text.tokenId('<s>'));
    const textOnly = vlm.parts.text.encode('<s>USER: \nWhat is this? ASSISTANT:');
    expect(ids.length).toBe(textOnly.length + 16);
  });

  it('decodes incrementally through the cache exactly as a full recompute, image features included', async () => {
    const messages = [user(image(fx.images.photo), text('Tell me about the caches in this picture.'))];
    // The second head ends inside the image rows.
    await expectIncrementalMatchesFull(fx.vlm, messages, [5, 12]);
  });

  it('answers a follow-up on the kept cache exactly as recomputing the conversation', async () => {
    await expectFollowUpMatchesFresh(fx.vlm, [user(image(fx.images.photo), text('Describe it.'))]);
  });

  it('changes the answer when the image changes; low and high detail are the same view', async () => {
    const a = await fx.ask(image(fx.images.photo));
    const b = await fx.ask(image(fx.images.other));
    expect(a.tokenIds).not.toEqual(b.tokenIds);
    const low = await fx.ask(image(fx.images.photo, 'low'));
    expect(low.tokenIds).toEqual(a.tokenIds);
    expect(low.stats.promptTokens).toBe(a.stats.promptTokens);
  });

  it('answers about two images in one message (each <image> expanded)', async () => {
    const { photo, other } = fx.images;
    const two = await fx.greedy([user(image(photo), image(other), text('Compare them.'))]);
    const one = await fx.greedy([user(image(photo), text('Compare them.'))]);
    // Two placeholders, each "<image>\n": 16 more image tokens and one more newline.
    expect(two.stats.promptTokens - one.stats.promptTokens).toBeGreaterThanOrEqual(16);
    expect(two.tokenIds).toHaveLength(12);
  });
});

describe('tessera plan / ask on the LLaVA folder', () => {
  const cli = useTesseraCli('llava');

  it('plan prints the one cropped view', () => {
    expect(cli.plan(fx.dir, '--size', '640x480', '--detail', 'low')).toEqual({
      family: 'llava',
      detail: 'low',
      original: { width: 640, height: 480 },
      resized: { width: 74, height: 56 },
      grid: { rows: 1, cols: 1, unit: 'tiles' },
      // Crop x 9…65 of the 74×56 resize: x 77.8…562.2 of the original, rounded outward.
      tiles: [{ x: 77, y: 0, width: 486, height: 480, inputWidth: 56, inputHeight: 56, tokens: 16 }],
      global: null,
      imageTokens: 16,
      promptTokens: 16,
    });
  });

  it('ask streams an answer', () => {
    cli.expectAskStreams(fx.dir, fx.images.photo);
  });
});
