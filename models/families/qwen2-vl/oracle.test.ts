/**
 * Oracle: transformers.js (an independent implementation: Qwen2VLProcessor, Qwen2VLImageProcessor,
 * Qwen2VLForConditionalGeneration / Qwen2_5_VLForConditionalGeneration and its get_rope_index) loads the same
 * generated folders. Its processor must produce Tessera's input ids, pixel rows and grid; its greedy generation,
 * fed Tessera's pixel rows, must produce Tessera's tokens — one image, two images of different sizes (encoded
 * together there, one by one here), a follow-up on Tessera's kept cache, and the q4 variant.
 */
import { Tensor } from '@huggingface/transformers';
import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../../app/chat.ts';
import { decodeImage } from '../../image/decode.ts';
import type { Vlm } from '../../runtime/vlm.ts';
import { gradientImage, noiseImage } from '../../testing/images.ts';
import {
  type HfModel,
  compareFollowUp,
  expectQ4Agrees,
  expectTesseraGreedy,
  hfMessages,
  idsOf,
  maxAbsDiff,
  rawImage,
  referenceGreedy,
  tesseraInputs,
  useOracle,
} from '../../testing/transformers-oracle.ts';
import { image, text, useTestVlm, user } from '../../testing/vlm-fixture.ts';
import { type QwenTestVariant, qwenTestModel } from './testing.ts';

const int64 = (values: number[], dims: number[]) =>
  new Tensor('int64', BigInt64Array.from(values, BigInt), dims);

describe.each<[QwenTestVariant, string]>([
  ['qwen2-vl', 'grid_thw'],
  ['qwen2.5-vl', 'image_grid_thw'],
])('%s against transformers.js', (variant, gridName) => {
  const fx = useTestVlm(
    () => qwenTestModel(variant),
    () => ({ photo: noiseImage(200, 120, 11), other: noiseImage(90, 150, 12) }),
  );
  const oracle = useOracle(fx);

  /** Tessera's prompt ids, and its pixel rows and grids for each image, from Tessera's own processor. */
  async function qwenInputs(messages: ChatMessage[], images: Uint8Array[]) {
    const { ids, feeds } = await tesseraInputs(fx.vlm, messages, images);
    const rows = feeds.map((f) => f.pixel_values?.data as Float32Array);
    const pixels = new Float32Array(rows.reduce((n, r) => n + r.length, 0));
    rows.reduce((at, r) => (pixels.set(r, at), at + r.length), 0);
    const grids = feeds.flatMap((f) => Array.from(f[gridName]?.data as BigInt64Array, Number));
    return { ids, pixels, grids };
  }

  /** transformers.js greedy generation on Tessera's ids and pixel rows. */
  async function transformersGenerate(messages: ChatMessage[], images: Uint8Array[], reference?: HfModel) {
    const ours = await qwenInputs(messages, images);
    const n = ours.ids.length;
    const inputs = {
      input_ids: int64(ours.ids, [1, n]),
      attention_mask: int64(new Array<number>(n).fill(1), [1, n]),
      pixel_values: new Tensor('float32', ours.pixels, [ours.pixels.length / 1176, 1176]),
      image_grid_thw: int64(ours.grids, [images.length, 3]),
    };
    return referenceGreedy(reference ?? oracle.model, inputs, n, fx.vlm.parts.text.eosTokenIds);
  }

  async function compare(messages: ChatMessage[], images: Uint8Array[], threadId?: string) {
    return expectTesseraGreedy(fx.vlm, messages, await transformersGenerate(messages, images), { threadId });
  }

  it('its processor gives Tessera’s input ids, pixel rows and grid for an image smart_resize keeps', async () => {
    const kept = await noiseImage(56, 84, 3); // 56×84: both sides already multiples of 28
    const messages = [user(image(kept), text('What is in this image?'))];
    const { processor } = oracle;
    const prompt = processor.apply_chat_template(hfMessages(messages) as never, {
      add_generation_prompt: true,
    });
    const inputs = await processor(prompt, await rawImage(kept));
    const ours = await qwenInputs(messages, [kept]);
    expect(idsOf(inputs.input_ids)).toEqual(ours.ids);
    expect(inputs.image_grid_thw.tolist()).toEqual([[1n, 6n, 4n]]);
    expect(ours.grids).toEqual([1, 6, 4]);
    expect(inputs.pixel_values.dims).toEqual([24, 1176]);
    expect(maxAbsDiff(ours.pixels, inputs.pixel_values.data as Float32Array)).toBe(0);
    expect(ours.ids.filter((id) => id === fx.vlm.parts.family.imageTokenId)).toHaveLength(6);
  });

  it('resized pixel rows: within 0.065 on a smooth image (Pillow vs sharp resize), same grid', async () => {
    const smooth = await gradientImage(400, 300);
    const ours = await qwenInputs([user(image(smooth))], [smooth]);
    const imageProcessor = oracle.processor.image_processor;
    if (!imageProcessor) throw new Error('the Qwen2VLProcessor has no image processor');
    const theirs = await imageProcessor(await rawImage(smooth));
    expect(ours.grids).toEqual(idsOf(theirs.image_grid_thw));
    // 400×300 → 392×308 (height enlarged: Tessera resamples like Pillow, transformers.js through sharp's affine
    // bicubic): 0.060 measured, about 4 levels of 255.
    expect(maxAbsDiff(ours.pixels, theirs.pixel_values.data as Float32Array)).toBeLessThan(0.065);
  });

  it('one image and a question: the same 24 greedy tokens', async () => {
    const { photo } = fx.images;
    await compare([user(image(photo), text('Describe the picture.'))], [photo]);
  });

  it('two images of different sizes: transformers.js encodes them in one call, Tessera one by one', async () => {
    const { photo, other } = fx.images;
    await compare([user(image(photo), text('and'), image(other))], [photo, other]);
  });

  it('a follow-up turn on Tessera’s kept cache', async () => {
    const { photo } = fx.images;
    const first = [user(image(photo), text('Describe it.'))];
    const [turn1, turn2] = await compareFollowUp(
      first,
      (m, t) => compare(m, [photo], t),
      `oracle-${variant}`,
    );
    expect(turn2.stats.cachedTokens).toBeGreaterThanOrEqual(turn1.stats.promptTokens);
  });

  it('3-D rope positions equal its get_rope_index for a prompt with two images', async () => {
    const { photo, other } = fx.images;
    const ours = await qwenInputs([user(image(photo), text('vs'), image(other))], [photo, other]);
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

  it('the q4 (MatMulNBits) variant: the same greedy tokens', async () => {
    const q4Dir = await qwenTestModel(variant, 'q4');
    const { photo } = fx.images;
    const messages = [user(image(photo), text('Describe the picture.'))];
    await expectQ4Agrees(q4Dir, messages, (reference) => transformersGenerate(messages, [photo], reference));
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
