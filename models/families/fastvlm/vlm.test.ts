/**
 * The runtime, unchanged, on a generated tiny FastVLM: KV-cache invariants, answers that depend on the image,
 * and `tessera plan` / `tessera ask` on the folder.
 */
import { describe, expect, it } from 'vitest';
import { noiseImage } from '../../testing/images.ts';
import {
  expectFollowUpMatchesFresh,
  expectIncrementalMatchesFull,
  promptEmbeds,
} from '../../testing/kv-invariants.ts';
import { image, text, useTesseraCli, useTestVlm, user } from '../../testing/vlm-fixture.ts';

const fx = useTestVlm({ family: 'fastvlm' }, () => ({
  photo: noiseImage(300, 200, 1),
  other: noiseImage(200, 320, 2),
}));

describe('Vlm on a tiny generated FastVLM', () => {
  it('builds the system turn, <|im_start|>user\\n<image>×16\\n…, and the assistant prompt', async () => {
    const { vlm, images } = fx;
    expect(vlm.info.family).toBe('fastvlm');
    const { ids, imageTokens } = await promptEmbeds(vlm, [user(image(images.photo), text('What is this?'))]);
    expect(imageTokens).toBe(16);
    expect(ids.filter((id) => id === vlm.parts.family.imageTokenId)).toHaveLength(16);
    const textOnly = vlm.parts.text.encode(
      '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n\nWhat is this?<|im_end|>\n<|im_start|>assistant\n',
    );
    expect(ids.length).toBe(textOnly.length + 16);
  });

  it('decodes incrementally through the cache exactly as a full recompute, image features included', async () => {
    const messages = [user(image(fx.images.photo), text('Tell me about the caches in this picture.'))];
    await expectIncrementalMatchesFull(fx.vlm, messages, [5, 20]);
  });

  it('answers a follow-up on the kept cache exactly as recomputing the conversation', async () => {
    await expectFollowUpMatchesFresh(fx.vlm, [user(image(fx.images.photo), text('Describe it.'))]);
  });

  it('changes the answer when the image changes', async () => {
    const a = await fx.ask(image(fx.images.photo));
    const b = await fx.ask(image(fx.images.other));
    expect(a.tokenIds).not.toEqual(b.tokenIds);
  });
});

describe('tessera plan / ask on the FastVLM folder', () => {
  const cli = useTesseraCli('fastvlm');

  it('plan prints the one cropped view', () => {
    expect(cli.plan(fx.dir, '--size', '640x480')).toMatchObject({
      family: 'fastvlm',
      resized: { width: 341, height: 256 },
      grid: { rows: 1, cols: 1, unit: 'tiles' },
      imageTokens: 16,
    });
  });

  it('ask streams an answer', () => {
    cli.expectAskStreams(fx.dir, fx.images.photo);
  });
});
