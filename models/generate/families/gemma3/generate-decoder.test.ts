/**
 * The generated Gemma 3 decoder: the shared decoder invariants (every input matters, the KV cache changes nothing,
 * causality, silenced tokens), then what is Gemma's own — sliding layers see only the last `sliding_window`
 * positions, and embed_tokens carries the sqrt(hidden) scale.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Layers } from '../../nn.ts';
import { GraphBuilder } from '../../../runtime/graph-builder.ts';
import { describeLlamaDecoder } from '../../../testing/decoder-suite.ts';
import { testModelDir } from '../../../testing/test-models.ts';
import { buildGemma3Decoder } from './generate-decoder.ts';
import { gemma3Dims } from './generate-dims.ts';
import { gemma3SilentIds, gemma3Tokenizer } from './generate.ts';
import { maxAbsDiff } from '../../../families/gemma3/testing.ts';

const dims = gemma3Dims('tiny');
const silentIds = gemma3SilentIds(dims, gemma3Tokenizer(dims, 1));

describeLlamaDecoder({
  label: 'Gemma 3 (sliding and global layers, q/k norms, gelu-tanh MLP)',
  dir: () => testModelDir({ family: 'gemma3' }),
  dims: dims.text,
  silentIds,
});

describe('Gemma 3 specifics', () => {
  const T = 40; // longer than the tiny window (24)
  const H = dims.text.hidden;
  let scratch: string;
  let dir: string;
  let windowed: ort.InferenceSession;
  let unwindowed: ort.InferenceSession;

  beforeAll(async () => {
    dir = await testModelDir({ family: 'gemma3' });
    windowed = await ort.InferenceSession.create(join(dir, 'onnx', 'decoder_model_merged.onnx'));
    // The same seeded weights with a window wider than any prompt here.
    scratch = mkdtempSync(join(tmpdir(), 'gemma3-window-'));
    const path = join(scratch, 'decoder.onnx');
    const g = new GraphBuilder({ name: 'decoder_model_merged', path, externalData: false });
    try {
      buildGemma3Decoder(new Layers(g, 1, 'fp32'), { ...dims.text, slidingWindow: 10_000 }, silentIds);
      await g.save();
    } finally {
      g.close();
    }
    unwindowed = await ort.InferenceSession.create(path);
  });

  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  async function logits(session: ort.InferenceSession): Promise<Float32Array> {
    const embeds = new Float32Array(T * H);
    for (let i = 0; i < embeds.length; i++) embeds[i] = Math.sin(i * 0.37) * 1.3;
    const feeds: Record<string, ort.Tensor> = {
      inputs_embeds: new ort.Tensor('float32', embeds, [1, T, H]),
      attention_mask: new ort.Tensor('int64', new BigInt64Array(T).fill(1n), [1, T]),
      position_ids: new ort.Tensor(
        'int64',
        BigInt64Array.from({ length: T }, (_, i) => BigInt(i + 1)),
        [1, T],
      ),
    };
    for (let i = 0; i < dims.text.layers; i++) {
      for (const kind of ['key', 'value']) {
        feeds[`past_key_values.${i}.${kind}`] = new ort.Tensor('float32', new Float32Array(0), [
          1,
          dims.text.kvHeads,
          0,
          dims.text.headDim,
        ]);
      }
    }
    return (await session.run(feeds)).logits?.data as Float32Array;
  }

  it('sliding layers: positions inside the window match a full-attention run, later ones do not', async () => {
    const [a, b] = [await logits(windowed), await logits(unwindowed)];
    const V = dims.text.vocabSize;
    const window = dims.text.slidingWindow;
    // Queries 0…window−1 see at most `window` keys either way.
    expect(maxAbsDiff(a.subarray(0, window * V), b.subarray(0, window * V))).toBeLessThan(1e-5);
    // Query `window` is the first whose oldest key drops out of the sliding layers.
    expect(
      maxAbsDiff(a.subarray(window * V, (window + 1) * V), b.subarray(window * V, (window + 1) * V)),
    ).toBeGreaterThan(1e-3);
  });

  it('embed_tokens multiplies the rows by sqrt(hidden): unit-variance embeddings from 1/sqrt(hidden) weights', async () => {
    const embed = await ort.InferenceSession.create(join(dir, 'onnx', 'embed_tokens.onnx'));
    const ids = BigInt64Array.from({ length: 64 }, (_, i) => BigInt(10 + i));
    const out = (await embed.run({ input_ids: new ort.Tensor('int64', ids, [1, 64]) })).inputs_embeds;
    const values = out?.data as Float32Array;
    const rms = Math.sqrt(values.reduce((s, v) => s + v * v, 0) / values.length);
    expect(rms).toBeGreaterThan(0.8);
    expect(rms).toBeLessThan(1.2);
  });
});
