/**
 * The decoder rewritten for an appended cache (cache-rewrite.ts, append-cache.ts) against the graph as
 * exported, on a generated SmolVLM: the same logits and greedy tokens, a cache that grows past its first
 * buffer and crops in place, and a fallback to the exported graph, with the reason, where the pattern differs.
 */
import { copyFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../app/chat.ts';
import { maxAbsDiff } from '../testing/tensors.ts';
import { noiseImage } from '../testing/images.ts';
import { testModelDir } from '../testing/test-models.ts';
import { appendCacheRewrite, decodeModel } from './cache-rewrite.ts';
import { DecoderStepper, embedTokens } from './generate.ts';
import { KvCache } from './kv-cache.ts';
import { Vlm } from './vlm.ts';

const { onnx } = onnxProto;

let dir: string;
let appended: Vlm;
let exported: Vlm;
let photo: Uint8Array;
const scratch = mkdtempSync(join(tmpdir(), 'tessera-rewrite-'));

beforeAll(async () => {
  dir = await testModelDir({ family: 'smolvlm', size: 'tiny', dtype: 'fp32', seed: 3 });
  appended = await Vlm.load(dir, { device: 'cpu', dtype: 'fp32' });
  exported = await Vlm.load(dir, { device: 'cpu', dtype: 'fp32', cache: 'present' });
  photo = await noiseImage(160, 120, 4);
});

afterAll(async () => {
  await appended?.dispose();
  await exported?.dispose();
  rmSync(scratch, { recursive: true, force: true });
});

const user = (...content: ChatMessage['content']): ChatMessage => ({ role: 'user', content });

describe('decoder rewritten for an appended cache', () => {
  it('recognises every layer of the generated decoder, and says how the cache is kept', () => {
    const model = decodeModel(readFileSync(join(dir, 'onnx', 'decoder_model_merged.onnx')));
    expect(appendCacheRewrite(model)).toEqual({ layers: 2 });
    expect(appended.parts.decoder.session.cacheLayout).toBe('append');
    expect(appended.info.providers.decoder.cache).toBe('appended in place');
    expect(exported.parts.decoder.session.cacheLayout).toBe('present');
    expect(exported.info.providers.decoder.cache).toBe('copied each step (turned off)');
  });

  it('gives the logits of the exported graph, step by step past the first buffer of 256 rows', async () => {
    const steppers = [appended, exported].map(
      (vlm) => new DecoderStepper(vlm.parts.decoder.session, KvCache.empty(vlm.parts.decoder.session)),
    );
    const embed = appended.parts.embed.session;
    const ids = Array.from({ length: 250 }, (_, i) => 20 + (i % 60));
    const first = await Promise.all(steppers.map(async (s) => s.feed(ids, await embedTokens(embed, ids))));
    expect(maxAbsDiff(first[0] as Float32Array, first[1] as Float32Array)).toBeLessThan(1e-4);
    // 250 + 1 zero row, then 12 single steps: the buffers double on the way.
    for (let i = 0; i < 12; i++) {
      const id = [7 + i];
      const out = await Promise.all(steppers.map(async (s) => s.feed(id, await embedTokens(embed, id))));
      expect(maxAbsDiff(out[0] as Float32Array, out[1] as Float32Array)).toBeLessThan(1e-4);
    }
    expect(steppers.map((s) => s.cache.length)).toEqual([262, 262]);
    for (const s of steppers) s.cache.dispose();
  });

  it('answers with the same greedy tokens, over a kept and a cropped conversation', async () => {
    const first = [user({ type: 'image', data: photo }, { type: 'text', text: 'What is here?' })];
    const ask = (vlm: Vlm, messages: ChatMessage[]) =>
      vlm.generate({ threadId: 't', messages, sampling: { maxTokens: 10, ignoreEos: true } }, () => {});
    const answers = await Promise.all([appended, exported].map((vlm) => ask(vlm, first)));
    expect(answers[0]?.tokenIds).toEqual(answers[1]?.tokenIds);
    const followUp = [
      ...first,
      { role: 'assistant' as const, content: [{ type: 'text' as const, text: answers[0]?.text ?? '' }] },
      user({ type: 'text', text: 'And the colours?' }),
    ];
    const second = await Promise.all([appended, exported].map((vlm) => ask(vlm, followUp)));
    expect(second[0]?.tokenIds).toEqual(second[1]?.tokenIds);
    expect(second[0]?.stats.cachedTokens).toBeGreaterThan(0);
    // An edit of the first question crops both caches back to the image.
    const edited = [user({ type: 'image', data: photo }, { type: 'text', text: 'Describe it.' })];
    const third = await Promise.all([appended, exported].map((vlm) => ask(vlm, edited)));
    expect(third[0]?.tokenIds).toEqual(third[1]?.tokenIds);
    expect(third[0]?.stats.cachedTokens).toBe(third[1]?.stats.cachedTokens);
  });

  it('falls back to the exported graph, with the reason, where a layer does not match', async () => {
    const copy = join(scratch, 'model');
    cpSync(dir, copy, { recursive: true });
    const path = join(copy, 'onnx', 'decoder_model_merged.onnx');
    // Route layer 1's present key through an Identity: the Concat no longer produces the graph output itself.
    const model = onnx.ModelProto.decode(readFileSync(path));
    const graph = model.graph as InstanceType<typeof onnx.GraphProto>;
    for (const node of graph.node) {
      node.output = (node.output ?? []).map((o) => (o === 'present.1.key' ? 'present.1.key.joined' : o));
      node.input = (node.input ?? []).map((i) => (i === 'present.1.key' ? 'present.1.key.joined' : i));
    }
    graph.node.push(
      new onnx.NodeProto({ opType: 'Identity', input: ['present.1.key.joined'], output: ['present.1.key'] }),
    );
    writeFileSync(path, onnx.ModelProto.encode(model).finish());
    expect(appendCacheRewrite(decodeModel(readFileSync(path)))).toEqual({
      reason: "past_key_values.1.key's Concat does not produce the graph output present.1.key",
    });
    const vlm = await Vlm.load(copy, { device: 'cpu', dtype: 'fp32' });
    try {
      expect(vlm.info.providers.decoder.cache).toBe(
        "copied each step (past_key_values.1.key's Concat does not produce the graph output present.1.key)",
      );
      const messages = [user({ type: 'text', text: 'hello' })];
      const sampling = { maxTokens: 8, ignoreEos: true };
      const [a, b] = await Promise.all(
        [vlm, appended].map((v) => v.generate({ messages, sampling }, () => {})),
      );
      expect(a?.tokenIds).toEqual(b?.tokenIds);
    } finally {
      await vlm.dispose();
    }
  });

  it('leaves a graph without a KV cache alone', () => {
    const copy = join(scratch, 'embed.onnx');
    copyFileSync(join(dir, 'onnx', 'embed_tokens.onnx'), copy);
    expect(appendCacheRewrite(decodeModel(readFileSync(copy)))).toEqual({
      reason: 'no past_key_values.<i>.key/value inputs',
    });
  });
});
