/** Logits for the last position only (last-logits.ts): the last row of the exported graph's logits. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { maxAbsDiff } from '../testing/tensors.ts';
import { testModelDir } from '../testing/test-models.ts';
import { keepLastLogits } from './last-logits.ts';

const { onnx } = onnxProto;

describe('logits for the last position only', () => {
  it.each(['smolvlm', 'gemma3'] as const)('%s: the last row of the exported logits', async (family) => {
    const dir = await testModelDir({ family, dtype: 'fp32', seed: 2 });
    const path = join(dir, 'onnx', 'decoder_model_merged.onnx');
    const model = onnx.ModelProto.decode(readFileSync(path));
    expect(keepLastLogits(model)).toBe(true);
    const [full, last] = await Promise.all([
      ort.InferenceSession.create(path),
      ort.InferenceSession.create(onnx.ModelProto.encode(model).finish()),
    ]);
    const feeds: Record<string, ort.Tensor> = {};
    const S = 7;
    for (const meta of full.inputMetadata) {
      if (!meta.isTensor) continue;
      const dims = meta.shape.map((d) => (typeof d === 'number' ? d : /batch/.test(String(d)) ? 1 : 0));
      if (meta.name === 'inputs_embeds') dims[1] = S;
      if (meta.name === 'attention_mask' || meta.name === 'position_ids') dims[1] = S;
      const size = dims.reduce((a, b) => a * b, 1);
      feeds[meta.name] =
        meta.type === 'int64'
          ? new ort.Tensor(
              'int64',
              BigInt64Array.from({ length: size }, (_, i) =>
                BigInt(meta.name === 'attention_mask' ? 1 : i + (family === 'gemma3' ? 1 : 0)),
              ),
              dims,
            )
          : new ort.Tensor(
              'float32',
              Float32Array.from({ length: size }, (_, i) => Math.sin(i)),
              dims,
            );
    }
    const a = (await full.run(feeds)).logits;
    const b = (await last.run(feeds)).logits;
    const vocab = a?.dims[2] ?? 0;
    expect(b?.dims).toEqual([1, 1, vocab]);
    const lastRow = (a?.data as Float32Array).slice((S - 1) * vocab);
    expect(maxAbsDiff(b?.data as Float32Array, lastRow)).toBeLessThan(1e-5);
    await Promise.all([full.release(), last.release()]);
  });

  it('leaves a graph without logits alone', async () => {
    const dir = await testModelDir({ dtype: 'fp32', seed: 2 });
    const model = onnx.ModelProto.decode(readFileSync(join(dir, 'onnx', 'embed_tokens.onnx')));
    expect(keepLastLogits(model)).toBe(false);
  });
});
