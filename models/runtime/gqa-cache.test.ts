/**
 * The GQA form's new-rows cache (gqa-cache.ts, gqa-rewrite.ts): rows land in each head's next rows, survive the
 * capacity doubling, are overwritten after a crop; the rewritten graph returns only the new rows; a graph whose
 * pasts are not all GroupQueryAttention's is left alone with the reason.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { testModelDir } from '../testing/test-models.ts';
import { GqaCache } from './gqa-cache.ts';
import { gqaNewRowsRewrite } from './gqa-rewrite.ts';
import { makeTensor } from './onnx.ts';

const { onnx } = onnxProto;
const [HEADS, DIM] = [2, 3];
const input = {
  name: 'past_key_values.0.key',
  type: 'float32',
  shape: ['batch_size', HEADS, 'past_sequence_length', DIM],
};

/** Value of head h, position p, lane d (generation `g` tells rows written after a crop from the old ones). */
const value = (h: number, p: number, d: number, g = 0) => g * 100_000 + h * 10_000 + p * 10 + d;

/** present.0.key for positions [from, from + count): [1, heads, count, dim]. */
function newRows(from: number, count: number, g = 0) {
  const data = new Float32Array(HEADS * count * DIM);
  for (let h = 0; h < HEADS; h++)
    for (let i = 0; i < count; i++)
      for (let d = 0; d < DIM; d++) data[(h * count + i) * DIM + d] = value(h, from + i, d, g);
  return {
    'present.0.key': makeTensor('float32', data, [1, HEADS, count, DIM]),
    logits: makeTensor('float32', new Float32Array(1), [1]),
  };
}

/** The fed buffer's row p of head h. */
function fedRow(cache: GqaCache, h: number, p: number): number[] {
  const fed = cache.feeds()['past_key_values.0.key'];
  const capacity = fed?.dims[2] ?? 0;
  const data = fed?.data as Float32Array;
  return Array.from(data.subarray((h * capacity + p) * DIM, (h * capacity + p + 1) * DIM));
}

describe('the GQA new-rows cache', () => {
  it('writes each head’s new rows after its held ones, across a doubling, and over them after a crop', async () => {
    const cache = GqaCache.empty([input]);
    expect(cache.feeds()['past_key_values.0.key']?.dims).toEqual([1, HEADS, 0, DIM]);
    cache.advance(newRows(0, 200), 200);
    expect(cache.feeds()['past_key_values.0.key']?.dims).toEqual([1, HEADS, 256, DIM]);
    cache.advance(newRows(200, 100), 300); // past 256 rows per head: doubled to 512
    expect(cache.feeds()['past_key_values.0.key']?.dims).toEqual([1, HEADS, 512, DIM]);
    expect(cache.length).toBe(300);
    for (const [h, p] of [
      [0, 0],
      [0, 199],
      [1, 200],
      [1, 299],
    ] as const) {
      expect(fedRow(cache, h, p)).toEqual([0, 1, 2].map((d) => value(h, p, d)));
    }
    await cache.crop(150);
    expect(cache.length).toBe(150);
    cache.advance(newRows(150, 1, 1), 151);
    expect(fedRow(cache, 1, 150)).toEqual([0, 1, 2].map((d) => value(1, 150, d, 1)));
    expect(fedRow(cache, 1, 149)).toEqual([0, 1, 2].map((d) => value(1, 149, d)));
  });

  it('refuses new rows that do not match the positions fed', () => {
    const cache = GqaCache.empty([input]);
    expect(() => cache.advance(newRows(0, 3), 4)).toThrow(/3 new rows per head where 4 positions were fed/);
  });
});

describe('the GQA new-rows rewrite', () => {
  const decoder = async (attention: 'plain' | 'gqa') =>
    onnx.ModelProto.decode(
      readFileSync(
        join(await testModelDir({ family: 'gemma3', attention }), 'onnx', 'decoder_model_merged.onnx'),
      ),
    );

  it('slices every layer’s present to the new rows', async () => {
    const model = await decoder('gqa');
    expect(gqaNewRowsRewrite(model)).toEqual({ layers: 6 });
    const slices = model.graph?.node?.filter(
      (n) => n.opType === 'Slice' && n.output?.[0]?.startsWith('present.'),
    );
    expect(slices).toHaveLength(12);
    const present = model.graph?.output?.find((o) => o.name === 'present.0.key');
    expect(present?.type?.tensorType?.shape?.dim?.[2]?.dimParam).toBe('sequence_length');
  });

  it('leaves the plain form alone, with the reason', async () => {
    const model = await decoder('plain');
    const before = onnx.ModelProto.encode(model).finish();
    expect(gqaNewRowsRewrite(model)).toEqual({
      reason: 'past_key_values.0.key is not the past of a GroupQueryAttention',
    });
    expect(Buffer.from(onnx.ModelProto.encode(model).finish()).equals(Buffer.from(before))).toBe(true);
  });
});
