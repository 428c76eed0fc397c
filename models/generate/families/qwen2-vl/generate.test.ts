/**
 * The generated folders: the real graphs' input and output names and shapes, JSON that agrees with the
 * dimensions and the tokenizer, and graphs in which every input changes the output.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { tensorDiff } from '../../../testing/tensors.ts';
import { qwenDims } from './generate-dims.ts';
import { QWEN_SPECIALS } from './generate.ts';
import { type QwenTestVariant, qwenTestModel } from '../../../families/qwen2-vl/testing.ts';

const tiny = qwenDims('qwen2_vl', 'tiny');
const { hidden, layers, kvHeads, headDim, vocabSize } = tiny.text;

describe.each<[QwenTestVariant, string]>([
  ['qwen2-vl', 'grid_thw'],
  ['qwen2.5-vl', 'image_grid_thw'],
])('generated tiny %s', (variant, gridName) => {
  let dir: string;
  let vision: ort.InferenceSession;
  let decoder: ort.InferenceSession;
  beforeAll(async () => {
    dir = await qwenTestModel(variant);
    vision = await ort.InferenceSession.create(join(dir, 'onnx', 'vision_encoder.onnx'));
    decoder = await ort.InferenceSession.create(join(dir, 'onnx', 'decoder_model_merged.onnx'));
  });

  it('has the real graphs’ input and output names and shapes', async () => {
    expect(vision.inputNames).toEqual(['pixel_values', gridName]);
    expect(vision.inputMetadata).toMatchObject([
      { name: 'pixel_values', type: 'float32', shape: ['num_patches', 1176] },
      { name: gridName, type: 'int64', shape: ['num_images', 3] },
    ]);
    expect(vision.outputNames).toEqual(['image_features']);
    expect(decoder.inputNames.slice(0, 3)).toEqual(['inputs_embeds', 'attention_mask', 'position_ids']);
    expect(decoder.inputMetadata[2]).toMatchObject({ shape: [3, 'batch_size', 'sequence_length'] });
    expect(decoder.inputNames).toHaveLength(3 + 2 * layers);
    expect(decoder.outputNames).toEqual([
      'logits',
      ...Array.from({ length: layers }, (_, i) => [`present.${i}.key`, `present.${i}.value`]).flat(),
    ]);
    const embed = await ort.InferenceSession.create(join(dir, 'onnx', 'embed_tokens.onnx'));
    expect(embed.inputNames).toEqual(['input_ids']);
    expect(embed.outputNames).toEqual(['inputs_embeds']);
  });

  it('writes config and tokenizer files that agree with each other', async () => {
    // Parsed JSON, navigated freely in assertions.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const read = async (name: string): Promise<Record<string, any>> =>
      JSON.parse(await readFile(join(dir, name), 'utf8'));
    const config = await read('config.json');
    const tokenizer = await read('tokenizer.json');
    const specials = Object.fromEntries(QWEN_SPECIALS.map((t, i) => [t, 512 - QWEN_SPECIALS.length + i]));
    for (const [token, id] of Object.entries(specials)) {
      expect(tokenizer.added_tokens).toContainEqual(expect.objectContaining({ content: token, id }));
    }
    expect(Object.keys(tokenizer.model.vocab)).toHaveLength(512);
    expect(config).toMatchObject({
      model_type: variant === 'qwen2-vl' ? 'qwen2_vl' : 'qwen2_5_vl',
      image_token_id: specials['<|image_pad|>'],
      vision_start_token_id: specials['<|vision_start|>'],
      vision_end_token_id: specials['<|vision_end|>'],
      rope_scaling: { type: 'mrope', mrope_section: [2, 3, 3] },
      vision_config: { spatial_merge_size: 2, patch_size: 14, temporal_patch_size: 2 },
    });
    expect(await read('generation_config.json')).toMatchObject({
      eos_token_id: [specials['<|im_end|>'], specials['<|endoftext|>']],
    });
    expect(await read('preprocessor_config.json')).toMatchObject({
      min_pixels: 3136,
      max_pixels: 313600,
      merge_size: 2,
    });
  });

  it('encoder: pixel values and every grid value change the features; images encode independently', async () => {
    const patches = 32;
    const pixels = Float32Array.from({ length: patches * 1176 }, (_, i) => Math.sin(i * 0.37));
    const run = async (grid: number[], values = pixels) =>
      (
        await vision.run({
          pixel_values: new ort.Tensor('float32', values, [values.length / 1176, 1176]),
          [gridName]: new ort.Tensor('int64', BigInt64Array.from(grid, BigInt), [grid.length / 3, 3]),
        })
      )['image_features'];
    const base = await run([1, 4, 8]);
    expect(base?.dims).toEqual([8, hidden]);
    expect(tensorDiff(base, await run([1, 8, 4]))).toBeGreaterThan(1e-3); // rows and columns swapped
    expect(tensorDiff(base, await run([1, 2, 16]))).toBeGreaterThan(1e-3);
    expect(tensorDiff(base, await run([2, 4, 4]))).toBeGreaterThan(1e-3); // two frames attend apart
    const shifted = pixels.map((v, i) => (i === 5 ? v + 1 : v));
    expect(tensorDiff(base, await run([1, 4, 8], shifted))).toBeGreaterThan(1e-4);
    // Two images in one call = each alone: attention stays within an image.
    const halves = [pixels.subarray(0, 16 * 1176), pixels.subarray(16 * 1176)];
    const together = (await run([1, 4, 4, 1, 4, 4]))?.data as Float32Array;
    const first = (await run([1, 4, 4], Float32Array.from(halves[0] as Float32Array)))?.data as Float32Array;
    const second = (await run([1, 4, 4], Float32Array.from(halves[1] as Float32Array)))?.data as Float32Array;
    const alone = new Float32Array([...first, ...second]);
    expect(together.every((v, i) => Math.abs(v - (alone[i] as number)) < 1e-4)).toBe(true);
  });

  it('decoder: embeddings, the mask, each position row and the past change the logits', async () => {
    const S = 4;
    const empty = () => new ort.Tensor('float32', new Float32Array(0), [1, kvHeads, 0, headDim]);
    const feeds = (change: { embeds?: number; mask?: number; row?: number; past?: number } = {}) => {
      const pastLength = change.past ?? 0;
      const embeds = Float32Array.from(
        { length: S * hidden },
        (_, i) => Math.cos(i * 0.11) + (i === change.embeds ? 1 : 0),
      );
      const mask = new BigInt64Array(pastLength + S).fill(1n);
      if (change.mask !== undefined) mask[change.mask] = 0n;
      // One token moved on one axis (a shift of every position would leave relative rope unchanged).
      const moved = (i: number) => change.row === Math.floor(i / S) && i % S === 2;
      const positions = BigInt64Array.from({ length: 3 * S }, (_, i) => BigInt((i % S) + (moved(i) ? 5 : 0)));
      const result: Record<string, ort.Tensor> = {
        inputs_embeds: new ort.Tensor('float32', embeds, [1, S, hidden]),
        attention_mask: new ort.Tensor('int64', mask, [1, pastLength + S]),
        position_ids: new ort.Tensor('int64', positions, [3, 1, S]),
      };
      for (let i = 0; i < layers; i++) {
        for (const kind of ['key', 'value']) {
          result[`past_key_values.${i}.${kind}`] = pastLength
            ? new ort.Tensor(
                'float32',
                Float32Array.from({ length: kvHeads * pastLength * headDim }, (_, j) => Math.sin(j)),
                [1, kvHeads, pastLength, headDim],
              )
            : empty();
        }
      }
      return result;
    };
    const logits = async (f: Record<string, ort.Tensor>) => (await decoder.run(f))['logits'];
    const base = await logits(feeds());
    expect(base?.dims).toEqual([1, S, vocabSize]);
    expect(tensorDiff(base, await logits(feeds({ embeds: 3 })))).toBeGreaterThan(1e-4);
    expect(tensorDiff(base, await logits(feeds({ mask: 1 })))).toBeGreaterThan(1e-4);
    for (const row of [0, 1, 2]) expect(tensorDiff(base, await logits(feeds({ row })))).toBeGreaterThan(1e-4);
    expect(tensorDiff(base, await logits(feeds({ past: 2 })))).toBeGreaterThan(1e-4);
  });
});

describe('realistic dimensions', () => {
  it('keep the real interface numbers', () => {
    const real = qwenDims('qwen2_vl', 'realistic');
    expect(real.text).toMatchObject({
      headDim: 128,
      mropeSection: [16, 24, 24],
      vocabSize: 151936,
      kvHeads: 2,
    });
    expect(real.tokenizerVocab - QWEN_SPECIALS.length).toBe(151643);
    expect(real.vision.hidden / real.vision.heads).toBe(80);
    expect(real.maxPixels).toBe(12845056);
  });
});
