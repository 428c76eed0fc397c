/**
 * Token embedding as a table read (embed-table.ts): the rows onnxruntime's Gather returns, from inline and
 * external-data tables, and a session kept for any other embedder.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { testModelDir } from '../testing/test-models.ts';
import { readEmbeddingTable, tableSession } from './embed-table.ts';
import { int64 } from './onnx.ts';
import { Vlm } from './vlm.ts';

const ids = [0, 1, 17, 42, 3, 127];

async function expectSameRows(dir: string, file: string) {
  const path = join(dir, 'onnx', file);
  const table = readEmbeddingTable(path, readFileSync(path));
  if (!table) throw new Error(`${file} was not read as a table`);
  const feeds = { input_ids: int64(BigInt64Array.from(ids, BigInt), [1, ids.length]) };
  const ours = (await tableSession(path, table).run(feeds)).inputs_embeds;
  const session = await ort.InferenceSession.create(path);
  const theirs = (await session.run(feeds)).inputs_embeds;
  await session.release();
  expect(ours?.dims).toEqual(theirs?.dims);
  expect(Array.from(ours?.data as Float32Array)).toEqual(Array.from(theirs?.data as Float32Array));
}

describe('embedding table', () => {
  it('gives the rows of the Gather graph, from an inline table', async () => {
    await expectSameRows(await testModelDir({ dtype: 'fp32', seed: 1 }), 'embed_tokens.onnx');
  });

  it('gives the rows of the Gather graph, from an external data file', async () => {
    const dir = await testModelDir({ dtype: 'fp32', seed: 1, externalData: true });
    await expectSameRows(dir, 'embed_tokens.onnx');
  });

  it('leaves any other graph to onnxruntime', async () => {
    const dir = await testModelDir({ dtype: 'fp32', seed: 1 });
    const path = join(dir, 'onnx', 'decoder_model_merged.onnx');
    expect(readEmbeddingTable(path, readFileSync(path))).toBeNull();
  });

  it('is what the runtime uses on the CPU, and answers as the session does', async () => {
    const dir = await testModelDir({ dtype: 'fp32', seed: 1 });
    const table = await Vlm.load(dir, { device: 'cpu', dtype: 'fp32' });
    const session = await Vlm.load(dir, { device: 'cpu', dtype: 'fp32', embedTable: false });
    try {
      expect(table.parts.embed.session.tableLookup).toBe(true);
      expect(session.parts.embed.session.tableLookup).toBeUndefined();
      const request = {
        messages: [{ role: 'user' as const, content: [{ type: 'text' as const, text: 'hello there' }] }],
        sampling: { maxTokens: 8, ignoreEos: true },
      };
      const [a, b] = [await table.generate(request, () => {}), await session.generate(request, () => {})];
      expect(a.tokenIds).toEqual(b.tokenIds);
    } finally {
      await table.dispose();
      await session.dispose();
    }
  });

  it('refuses a token id outside the table', async () => {
    const dir = await testModelDir({ dtype: 'fp32', seed: 1 });
    const path = join(dir, 'onnx', 'embed_tokens.onnx');
    const table = readEmbeddingTable(path, readFileSync(path));
    if (!table) throw new Error('not a table');
    const feeds = { input_ids: int64(BigInt64Array.of(BigInt(table.rows)), [1, 1]) };
    await expect(tableSession(path, table).run(feeds)).rejects.toThrow(/outside the embedding table/);
  });
});
