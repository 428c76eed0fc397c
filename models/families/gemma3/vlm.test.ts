/**
 * Gemma 3's own runtime cases on its generated tiny model (the shared ones: models/families/conformance-vlm.test.ts):
 * the low default detail, pan-and-scan at high detail (a follow-up on the kept cache = recompute, the crops'
 * sequences and feature rows, another answer), and a square image whose high detail is its single view.
 */
import { describe, expect, it } from 'vitest';
import { decodeImage } from '../../image/decode.ts';
import { buildPrompt } from '../../runtime/prompt.ts';
import { noiseImage } from '../../testing/images.ts';
import { expectFollowUpMatchesFresh } from '../../testing/kv-invariants.ts';
import { image, text, useTestVlm, user } from '../../testing/vlm-fixture.ts';

const fx = useTestVlm({ family: 'gemma3' }, () => ({
  photo: noiseImage(200, 120, 1),
  /** 3:1 and at least 256 px per crop: pan-and-scan makes three crops at high detail. */
  wide: noiseImage(900, 300, 3),
}));

describe('Vlm on a tiny generated Gemma 3', () => {
  it('loads with the low default detail', () => {
    expect(fx.vlm.parts.family.defaultDetail).toBe('low');
  });

  it('answers a follow-up on the kept cache exactly as recomputing the conversation at high detail', async () => {
    await expectFollowUpMatchesFresh(fx.vlm, [user(image(fx.images.wide, 'high'), text('Describe it.'))]);
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
});
