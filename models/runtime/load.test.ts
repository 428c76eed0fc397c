/** Role → graph mapping and the embedder wrapper that lets prepare_inputs_embeds serve as a token embedder. */
import { describe, expect, it } from 'vitest';
import { embedderOnly } from './load.ts';
import { DEFAULT_SESSION_FILES, sessionFilesOf } from './model-folder.ts';
import type { Feeds, GraphSession, InputInfo } from './onnx.ts';
import { int64 } from './onnx.ts';

function fakeSession(inputs: InputInfo[], seen: Feeds[]): GraphSession {
  return {
    path: '/m/onnx/prepare_inputs_embeds.onnx',
    provider: 'cpu',
    inputs,
    outputNames: ['inputs_embeds'],
    run: (feeds) => {
      seen.push(feeds);
      return Promise.resolve({});
    },
    release: () => Promise.resolve(),
  };
}

describe('session roles', () => {
  it('default to vision_encoder / embed_tokens / decoder_model_merged; a family overrides some', () => {
    expect(sessionFilesOf({})).toEqual(DEFAULT_SESSION_FILES);
    expect(sessionFilesOf({ sessionFiles: { embed: 'prepare_inputs_embeds', decoder: 'model' } })).toEqual({
      vision: 'vision_encoder',
      embed: 'prepare_inputs_embeds',
      decoder: 'model',
    });
  });
});

describe('embedderOnly', () => {
  const ids: InputInfo = { name: 'input_ids', type: 'int64', shape: ['batch_size', 'sequence_length'] };

  it('leaves an embed_tokens graph as it is', () => {
    const session = fakeSession([ids], []);
    expect(embedderOnly(session)).toBe(session);
  });

  it('feeds the other declared inputs empty, shaped from the metadata', async () => {
    const seen: Feeds[] = [];
    const features: InputInfo = {
      name: 'image_features',
      type: 'float32',
      shape: ['num_image_tokens', 3072],
    };
    const wrapped = embedderOnly(fakeSession([ids, features], seen));
    await wrapped.run({ input_ids: int64(BigInt64Array.of(1n, 2n), [1, 2]) });
    expect(Object.keys(seen[0] ?? {}).sort()).toEqual(['image_features', 'input_ids']);
    expect(seen[0]?.image_features?.dims).toEqual([0, 3072]);
    expect(seen[0]?.image_features?.type).toBe('float32');
  });

  it('refuses an extra input of fixed shape, naming the file and the input', () => {
    const fixed: InputInfo = { name: 'image_features', type: 'float32', shape: [4, 8] };
    expect(() => embedderOnly(fakeSession([ids, fixed], []))).toThrow(
      /prepare_inputs_embeds\.onnx input image_features has the fixed shape \[4, 8\]/,
    );
  });
});
