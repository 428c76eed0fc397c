/**
 * The runtime, unchanged, on a generated tiny LLaVA-OneVision: KV-cache invariants with AnyRes features in the
 * prompt, answers that depend on the image and the detail, and `tessera plan` / `tessera ask` on the folder.
 */
import { describe, expect, it } from 'vitest';
import { noiseImage } from '../../testing/images.ts';
import {
  expectFollowUpMatchesFresh,
  expectIncrementalMatchesFull,
  promptEmbeds,
} from '../../testing/kv-invariants.ts';
import { image, text, useTesseraCli, useTestVlm, user } from '../../testing/vlm-fixture.ts';

const fx = useTestVlm({ family: 'llava-onevision' }, () => ({
  photo: noiseImage(200, 120, 1), // best pinpoint 224 × 168: 3 × 4 crops of 56
  other: noiseImage(90, 160, 2),
}));

describe('Vlm on a tiny generated LLaVA-OneVision', () => {
  it('loads as the llava-onevision family with one vision input', () => {
    expect(fx.vlm.info.family).toBe('llava-onevision');
    expect(fx.vlm.parts.family.visionInputNames).toEqual(['pixel_values']);
  });

  it('builds <|im_start|>user <image>…\\n… with one <image> per arranged feature row', async () => {
    const { vlm, images } = fx;
    const { ids, imageTokens } = await promptEmbeds(vlm, [user(image(images.photo), text('What is this?'))]);
    const plan = vlm.parts.family.planImage({ width: 200, height: 120 }, 'high');
    expect(plan.grid).toMatchObject({ rows: 3, cols: 4 });
    expect(imageTokens).toBe(plan.imageTokens);
    expect(ids.filter((id) => id === vlm.parts.family.imageTokenId)).toHaveLength(plan.imageTokens);
    const textOnly = vlm.parts.text.encode(
      '<|im_start|>user \nWhat is this?<|im_end|><|im_start|>assistant\n',
    );
    expect(ids.length).toBe(textOnly.length + plan.imageTokens);
  });

  it('decodes incrementally through the cache exactly as a full recompute, AnyRes features included', async () => {
    const messages = [user(image(fx.images.photo), text('Tell me about the caches in this picture.'))];
    await expectIncrementalMatchesFull(fx.vlm, messages, [5, 40]);
  });

  it('answers a follow-up on the kept cache exactly as recomputing the conversation', async () => {
    const first = [user(image(fx.images.photo), text('Describe it.'))];
    const { turn1, kept } = await expectFollowUpMatchesFresh(fx.vlm, first, 'own');
    // llava-hf's template writes a past answer as "<|im_start|>assistant \n…" but asks for one with
    // "<|im_start|>assistant\n": the kept cache serves everything before that last token.
    expect(kept.stats.cachedTokens).toBe(turn1.stats.promptTokens - 1);
  });

  it('changes the answer when the image or the detail changes', async () => {
    const a = await fx.ask(image(fx.images.photo));
    const b = await fx.ask(image(fx.images.other));
    const low = await fx.ask(image(fx.images.photo, 'low'));
    expect(a.tokenIds).not.toEqual(b.tokenIds);
    expect(low.tokenIds).not.toEqual(a.tokenIds);
    expect(a.stats.promptTokens - low.stats.promptTokens).toBe(
      fx.vlm.parts.family.planImage({ width: 200, height: 120 }, 'high').imageTokens - 17,
    );
  });
});

describe('tessera plan / ask on the LLaVA-OneVision folder', () => {
  const cli = useTesseraCli('onevision');

  it('plan prints the base view and the crop grid', () => {
    const plan = cli.plan(fx.dir, '--size', '640x480');
    // Tiny pinpoints are {1…6} × 56: 640×480 fits 336 × 280 best → 5 rows × 6 columns of 56-pixel crops.
    expect(plan).toMatchObject({
      family: 'llava-onevision',
      detail: 'high',
      grid: { rows: 5, cols: 6, unit: 'tiles' },
    });
    expect(plan.tiles).toHaveLength(30);
    expect(plan.global).toMatchObject({ x: 0, y: 0, width: 640, height: 480, inputWidth: 56, tokens: 16 });
  });

  it('ask streams an answer', () => {
    cli.expectAskStreams(fx.dir, fx.images.photo);
  });
});
