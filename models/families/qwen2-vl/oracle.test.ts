/**
 * Oracle, Qwen2-VL's own cases (the shared ones: models/testing/oracle-suite.ts): transformers.js's
 * Qwen2VLProcessor gives Tessera's input ids, pixel rows and grid where smart_resize keeps the image (and close
 * rows where it resizes), and its get_rope_index Tessera's 3-D rope positions — except text only, where
 * Tessera follows Python.
 */
import type { Tensor } from '@huggingface/transformers';
import { describe, expect, it } from 'vitest';
import { decodeImage } from '../../image/decode.ts';
import type { Vlm } from '../../runtime/vlm.ts';
import { gradientImage, noiseImage } from '../../testing/images.ts';
import { hfMessages, idsOf, maxAbsDiff, rawImage, useOracle } from '../../testing/transformers-oracle.ts';
import { image, text, useTestVlm, user } from '../../testing/vlm-fixture.ts';
import { type QwenTestVariant, int64, qwenInputs, qwenTestModel } from './testing.ts';

describe.each<QwenTestVariant>(['qwen2-vl', 'qwen2.5-vl'])('%s against transformers.js', (variant) => {
  const fx = useTestVlm(
    () => qwenTestModel(variant),
    () => ({ photo: noiseImage(200, 120, 11), other: noiseImage(90, 150, 12) }),
  );
  const oracle = useOracle(fx);

  it('its processor gives Tessera’s input ids, pixel rows and grid for an image smart_resize keeps', async () => {
    const kept = await noiseImage(56, 84, 3); // 56×84: both sides already multiples of 28
    const messages = [user(image(kept), text('What is in this image?'))];
    const { processor } = oracle;
    const prompt = processor.apply_chat_template(hfMessages(messages) as never, {
      add_generation_prompt: true,
    });
    const inputs = await processor(prompt, await rawImage(kept));
    const ours = await qwenInputs(fx.vlm, messages, [kept]);
    expect(idsOf(inputs.input_ids)).toEqual(ours.ids);
    expect(inputs.image_grid_thw.tolist()).toEqual([[1n, 6n, 4n]]);
    expect(ours.grids).toEqual([1, 6, 4]);
    expect(inputs.pixel_values.dims).toEqual([24, 1176]);
    expect(maxAbsDiff(ours.pixels, inputs.pixel_values.data as Float32Array)).toBe(0);
    expect(ours.ids.filter((id) => id === fx.vlm.parts.family.imageTokenId)).toHaveLength(6);
  });

  it('resized pixel rows: within 0.065 on a smooth image (Pillow vs sharp resize), same grid', async () => {
    const smooth = await gradientImage(400, 300);
    const ours = await qwenInputs(fx.vlm, [user(image(smooth))], [smooth]);
    const imageProcessor = oracle.processor.image_processor;
    if (!imageProcessor) throw new Error('the Qwen2VLProcessor has no image processor');
    const theirs = await imageProcessor(await rawImage(smooth));
    expect(ours.grids).toEqual(idsOf(theirs.image_grid_thw));
    // 400×300 → 392×308 (height enlarged: Tessera resamples like Pillow, transformers.js through sharp's affine
    // bicubic): 0.060 measured, about 4 levels of 255.
    expect(maxAbsDiff(ours.pixels, theirs.pixel_values.data as Float32Array)).toBeLessThan(0.065);
  });

  it('3-D rope positions equal its get_rope_index for a prompt with two images', async () => {
    const { photo, other } = fx.images;
    const ours = await qwenInputs(fx.vlm, [user(image(photo), text('vs'), image(other))], [photo, other]);
    const n = ours.ids.length;
    const ids = int64(ours.ids, [1, n]);
    const grid = int64(ours.grids, [2, 3]);
    const mask = int64(new Array<number>(n).fill(1), [1, n]);
    const [positions, delta] = (oracle.model as never as RopeModel).get_rope_index(ids, grid, null, mask);
    const plans = [photo, other].map(async (b) =>
      fx.vlm.parts.family.planImage(await decodeImage(b), 'high'),
    );
    const tessera = positionIdsOf(fx.vlm)(ours.ids, await Promise.all(plans), 0, n);
    expect(Array.from(tessera.data as BigInt64Array)).toEqual(Array.from(positions.data as BigInt64Array));
    expect(Number((delta.data as BigInt64Array)[0])).toBeLessThan(0); // images advance positions by max(h, w)
  });

  it('text only: Tessera follows Python (decode positions continue at the length); transformers.js adds 2·length', async () => {
    const ids = fx.vlm.parts.text.encode('<|im_start|>user\nHello there<|im_end|>\n<|im_start|>assistant\n');
    const n = ids.length;
    const mask = int64(new Array<number>(n).fill(1), [1, n]);
    const [, delta] = (oracle.model as never as RopeModel).get_rope_index(
      int64(ids, [1, n]),
      null,
      null,
      mask,
    );
    // Python: rope_delta = max + 1 − length = 0. transformers.js: max + 1 + length = 2·length.
    expect(Number((delta.data as BigInt64Array)[0])).toBe(2 * n);
    const next = positionIdsOf(fx.vlm)([...ids, 42], [], n, 1);
    expect(Array.from(next.data as BigInt64Array, Number)).toEqual([n, n, n]);
  });
});

function positionIdsOf(vlm: Vlm) {
  const { family } = vlm.parts;
  if (!family.positionIds) throw new Error(`${family.family} has no positionIds hook`);
  return family.positionIds.bind(family);
}

interface RopeModel {
  get_rope_index(ids: Tensor, grid: Tensor | null, video: null, mask: Tensor): [Tensor, Tensor];
}
