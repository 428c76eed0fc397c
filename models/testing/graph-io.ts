/**
 * The graph interfaces transformers.js and the runtime rely on (vlm-formats §0.4, §2.1), as onnxruntime reports
 * them, for the generated folders' Llama-style text graphs, and a suite that loads every graph of every variant
 * and compares its exact inputs and outputs.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { type TestModelOptions, testModelDir } from './test-models.ts';

// Parsed JSON, navigated freely in assertions.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = Record<string, any>;

/** One JSON file of a model folder. */
export const readJson = async (dir: string, name: string): Promise<Json> =>
  JSON.parse(await readFile(join(dir, name), 'utf8')) as Json;

export type Meta = { name: string; isTensor: true; type: string; shape: (string | number)[] };
export type GraphIo = { inputs: Meta[]; outputs: Meta[] };

export const meta = (name: string, type: string, shape: (string | number)[]): Meta => ({
  name,
  isTensor: true,
  type,
  shape,
});

/** embed_tokens and decoder_model_merged of a Llama-style decoder with a merged KV cache. */
export function llamaTextIo(text: {
  hidden: number;
  layers: number;
  kvHeads: number;
  headDim: number;
  vocabSize: number;
}): Record<'embed_tokens' | 'decoder_model_merged', GraphIo> {
  const { hidden, layers, kvHeads, headDim, vocabSize } = text;
  const past: Meta[] = [];
  const present: Meta[] = [];
  for (let i = 0; i < layers; i++) {
    for (const kind of ['key', 'value']) {
      past.push(
        meta(`past_key_values.${i}.${kind}`, 'float32', [
          'batch_size',
          kvHeads,
          'past_sequence_length',
          headDim,
        ]),
      );
      present.push(
        meta(`present.${i}.${kind}`, 'float32', ['batch_size', kvHeads, 'total_sequence_length', headDim]),
      );
    }
  }
  return {
    embed_tokens: {
      inputs: [meta('input_ids', 'int64', ['batch_size', 'sequence_length'])],
      outputs: [meta('inputs_embeds', 'float32', ['batch_size', 'sequence_length', hidden])],
    },
    decoder_model_merged: {
      inputs: [
        meta('inputs_embeds', 'float32', ['batch_size', 'sequence_length', hidden]),
        meta('attention_mask', 'int64', ['batch_size', 'total_sequence_length']),
        meta('position_ids', 'int64', ['batch_size', 'sequence_length']),
        ...past,
      ],
      outputs: [meta('logits', 'float32', ['batch_size', 'sequence_length', vocabSize]), ...present],
    },
  };
}

/** A one-view encoder (pixel_values [n, 3, M, M] → image_features [n, tokens, hidden]) and the Llama text graphs. */
export function singleViewVlmIo(
  imageSize: number,
  tokensPerView: number,
  text: Parameters<typeof llamaTextIo>[0],
): Record<string, GraphIo> {
  return {
    vision_encoder: {
      inputs: [meta('pixel_values', 'float32', ['num_images', 3, imageSize, imageSize])],
      outputs: [meta('image_features', 'float32', ['num_images', tokensPerView, text.hidden])],
    },
    ...llamaTextIo(text),
  };
}

export interface FolderVariant {
  label: string;
  options: TestModelOptions;
  /** The graph file suffix: `_q4` for q4. */
  suffix: string;
}

/** fp32, q4 and fp32 with external data: the variants every generator writes. */
export function folderVariants(base: TestModelOptions): FolderVariant[] {
  return [
    { label: 'fp32', options: base, suffix: '' },
    { label: 'q4', options: { ...base, dtype: 'q4' }, suffix: '_q4' },
    { label: 'fp32 + external data', options: { ...base, externalData: true }, suffix: '' },
  ];
}

/** For each variant, each graph loads in onnxruntime with exactly these input and output names and metadata. */
export function describeGraphIo(title: string, variants: FolderVariant[], io: Record<string, GraphIo>): void {
  describe.each(variants)(`${title} ($label)`, ({ options, suffix }) => {
    it.each(Object.entries(io))('%s loads in onnxruntime with the exact I/O', async (graph, expected) => {
      const session = await ort.InferenceSession.create(
        join(await testModelDir(options), 'onnx', `${graph}${suffix}.onnx`),
      );
      expect(session.inputNames).toEqual(expected.inputs.map((m) => m.name));
      expect(session.outputNames).toEqual(expected.outputs.map((m) => m.name));
      expect(session.inputMetadata).toEqual(expected.inputs);
      expect(session.outputMetadata).toEqual(expected.outputs);
    });
  });
}
