/**
 * Oracle: transformers.js (an independent implementation: Lfm2VlProcessor, Lfm2VlImageProcessor,
 * Lfm2VlForConditionalGeneration with its hybrid conv/attention cache) loads the same generated LFM2-VL folder.
 * Its processor must produce Tessera's input ids (image markers, tiles, thumbnail); its greedy generation — fed
 * Tessera's pixel rows, so the comparison isolates the runtime (the resizes differ on purpose, see below) —
 * must produce Tessera's token ids, for a tiled image, a single-view image, the q4 variant and a follow-up turn.
 */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../../app/chat.ts';
import { gradientImage, noiseImage } from '../../testing/images.ts';
import { testModelDir } from '../../testing/test-models.ts';
import type { TensorData } from '../../tensor.ts';
import {
  type HfModel,
  type ProcessorRun,
  compareFollowUp,
  expectQ4Agrees,
  hfTensor,
  maxAbsDiff,
  rawImage,
  tesseraFeeds,
  useOracle,
} from '../../testing/transformers-oracle.ts';
import { image, text, useTestVlm, user } from '../../testing/vlm-fixture.ts';

const fx = useTestVlm({ family: 'lfm2-vl', size: 'tiny', dtype: 'fp32', seed: 1 }, () => ({
  tiled: noiseImage(200, 120, 11), // too large for one view: 2×1 tiles + thumbnail
  small: noiseImage(50, 30, 12), // one enlarged view
}));
const oracle = useOracle(fx);

// Its greedy generation runs on all three of Tessera's encoder feeds; the processors must agree on the grids.
const lfm2Feeds = (ours: Record<string, TensorData>[]) => ({
  pixel_values: hfTensor(ours[0]?.pixel_values),
  pixel_attention_mask: hfTensor(ours[0]?.pixel_attention_mask),
  spatial_shapes: hfTensor(ours[0]?.spatial_shapes),
});

const options = { imagesFirst: true, feeds: lfm2Feeds };

function expectSameGrids(run: ProcessorRun) {
  const shapes = run.ours.feeds[0]?.spatial_shapes;
  expect(run.inputs.spatial_shapes.tolist()).toEqual(
    Array.from({ length: shapes?.dims[0] ?? 0 }, (_, i) =>
      Array.from((shapes?.data as BigInt64Array).slice(2 * i, 2 * i + 2)),
    ),
  );
}

const idOf = (token: string): number => {
  const id = fx.vlm.parts.text.tokenId(token);
  if (id === undefined) throw new Error(`the tokenizer has no ${token}`);
  return id;
};

async function compare(messages: ChatMessage[], bytes: Uint8Array, threadId?: string) {
  const compared = await oracle.compare(messages, [bytes], { ...options, threadId });
  expectSameGrids(compared.run);
  return compared;
}

describe('LFM2-VL against transformers.js', () => {
  it('a tiled image: same input ids (markers, 2 tiles + thumbnail), same 24 greedy tokens', async () => {
    const { tiled } = fx.images;
    const { run: reference } = await compare([user(image(tiled), text('What is in this image?'))], tiled);
    expect(reference.prompt).toBe(
      '<|startoftext|><|im_start|>user\n<image>What is in this image?<|im_end|>\n<|im_start|>assistant\n',
    );
    const at = (token: string) => reference.inputIds.indexOf(idOf(token));
    expect(at('<|img_row_1_col_1|>')).toBe(at('<|image_start|>') + 1);
    expect(at('<|img_row_1_col_2|>')).toBe(at('<|img_row_1_col_1|>') + 17);
    expect(at('<|img_thumbnail|>')).toBe(at('<|img_row_1_col_2|>') + 17);
    // The thumbnail: 200×120 smart-resized to 80×48, 5 × 3 tokens.
    expect(at('<|image_end|>')).toBe(at('<|img_thumbnail|>') + 16);
    expect(reference.inputIds.filter((id) => id === fx.vlm.parts.family.imageTokenId)).toHaveLength(
      16 + 16 + 15,
    );
  });

  it('a small image in one view: same ids and tokens', async () => {
    const { small } = fx.images;
    const { run: reference } = await compare([user(text('Look:'), image(small))], small);
    expect(reference.inputIds).not.toContain(idOf('<|img_thumbnail|>'));
    expect(reference.inputIds).not.toContain(idOf('<|img_row_1_col_1|>'));
    // 50×30 → 48×32 (3 × 2 tokens), between the start and end markers.
    const start = reference.inputIds.indexOf(idOf('<|image_start|>'));
    expect(reference.inputIds.indexOf(idOf('<|image_end|>'))).toBe(start + 7);
  });

  it('the q4 (MatMulNBits) variant', async () => {
    const q4Dir = await testModelDir({ family: 'lfm2-vl', size: 'tiny', dtype: 'q4', seed: 1 });
    const { tiled } = fx.images;
    const messages = [user(image(tiled), text('Describe the picture.'))];
    const theirs = async (reference: HfModel) => {
      const run = await oracle.run(messages, [tiled], { ...options, reference });
      expectSameGrids(run);
      return run.generated;
    };
    await expectQ4Agrees(q4Dir, messages, theirs);
  });

  it('a follow-up turn on the kept thread', async () => {
    const { tiled } = fx.images;
    const first = [user(image(tiled), text('Describe it.'))];
    await compareFollowUp(first, async (m, t) => (await compare(m, tiled, t)).result);
  });

  it('processor pixel rows: equal on an enlarged solid view; close on a smooth shrink; apart on shrunk noise', async () => {
    const imageProcessor = oracle.processor.image_processor;
    if (!imageProcessor) throw new Error('the Lfm2VlProcessor has no image processor');
    const diff = async (bytes: Uint8Array) => {
      const ours = (await tesseraFeeds(fx.vlm, bytes)).feeds.pixel_values;
      const theirs = await imageProcessor(await rawImage(bytes));
      expect(theirs.pixel_values.dims).toEqual(ours?.dims);
      return maxAbsDiff(ours?.data as Float32Array, theirs.pixel_values.data as Float32Array);
    };
    const solid = new Uint8Array(
      await sharp({ create: { width: 30, height: 20, channels: 3, background: '#4080c0' } })
        .png()
        .toBuffer(),
    );
    expect(await diff(solid)).toBeLessThan(1e-6);
    // A gradient shrunk 400×300 → tiles: linear ramps survive both filters (edges aside).
    expect(await diff(await gradientImage(400, 300))).toBeLessThan(0.1);
    // Noise shrunk: Pillow-style antialiasing (Python) averages, transformers.js samples — far apart.
    expect(await diff(fx.images.tiled)).toBeGreaterThan(0.5);
  });
});
