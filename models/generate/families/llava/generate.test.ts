import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Template } from '@huggingface/jinja';
import { Tokenizer } from '@huggingface/tokenizers';
import { AutoTokenizer, env } from '@huggingface/transformers';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { readModelJson } from '../../../runtime/model-folder.ts';
import {
  type Json,
  describeGraphIo,
  folderVariants,
  readJson,
  singleViewVlmIo,
} from '../../../testing/graph-io.ts';
import { type TestModelOptions, testModelDir } from '../../../testing/test-models.ts';
import { OPENAI_CLIP_MEAN, OPENAI_CLIP_STD } from '../../../families/llava/config.ts';
import { llava } from '../../../families/llava/geometry.ts';
import { llavaDims } from './generate-dims.ts';
import { LLAVA_CHAT_TEMPLATE, llavaJsonFiles, llavaSilentIds, llavaTokenizer } from './generate.ts';

const tiny = llavaDims('tiny');
const LLAVA: TestModelOptions = { family: 'llava' };

// The graph interfaces transformers.js and the runtime rely on (vlm-formats §0.4, §2.1).
describeGraphIo(
  'generated tiny LLaVA folder',
  folderVariants(LLAVA),
  singleViewVlmIo(tiny.vision.imageSize, tiny.imageTokens, tiny.text),
);

describe('generated tiny LLaVA variants', () => {
  async function features(options: TestModelOptions, suffix: string): Promise<number[]> {
    const M = tiny.vision.imageSize;
    const session = await ort.InferenceSession.create(
      join(await testModelDir(options), 'onnx', `vision_encoder${suffix}.onnx`),
    );
    const pixels = Float32Array.from({ length: 3 * M * M }, (_, i) => Math.sin(i * 0.37));
    const out = await session.run({ pixel_values: new ort.Tensor('float32', pixels, [1, 3, M, M]) });
    return Array.from(out['image_features']?.data as Float32Array);
  }

  it('external data changes where weights live, not what the model computes', async () => {
    expect(await features({ ...LLAVA, externalData: true }, '')).toEqual(await features(LLAVA, ''));
  });

  it('another seed gives other weights', async () => {
    expect(await features({ ...LLAVA, seed: 2 }, '')).not.toEqual(await features(LLAVA, ''));
  });
});

describe('generated LLaVA JSON files', () => {
  it("are llava-hf's files, agreeing with the dimensions and the tokenizer", async () => {
    const dir = await testModelDir(LLAVA);
    const read = (name: string) => readJson(dir, name);
    const config = await read('config.json');
    const tokenizer = new Tokenizer(await read('tokenizer.json'), await read('tokenizer_config.json'));
    expect(tokenizer.get_vocab(true).size).toBe(512);
    expect(config).toMatchObject({
      architectures: ['LlavaForConditionalGeneration'],
      model_type: 'llava',
      image_token_index: tokenizer.token_to_id('<image>'),
      image_seq_length: 16,
      pad_token_id: tokenizer.token_to_id('<pad>'),
      projector_hidden_act: 'gelu',
      vision_feature_layer: -2,
      vision_feature_select_strategy: 'default',
      text_config: {
        model_type: 'llama',
        hidden_size: 64,
        num_hidden_layers: 2,
        num_attention_heads: 4,
        num_key_value_heads: 4,
        head_dim: 16,
        vocab_size: 576,
        max_position_embeddings: 4096,
        rope_theta: 10000,
      },
      vision_config: {
        model_type: 'clip_vision_model',
        hidden_size: 32,
        num_hidden_layers: 3,
        image_size: 56,
        patch_size: 14,
        hidden_act: 'quick_gelu',
      },
    });
    expect([
      tokenizer.token_to_id('<unk>'),
      tokenizer.token_to_id('<s>'),
      tokenizer.token_to_id('</s>'),
    ]).toEqual([0, 1, 2]);
    expect([tokenizer.token_to_id('<image>'), tokenizer.token_to_id('<pad>')]).toEqual([510, 511]);
    expect(await read('preprocessor_config.json')).toMatchObject({
      image_processor_type: 'CLIPImageProcessor',
      processor_class: 'LlavaProcessor',
      size: { shortest_edge: 56 },
      crop_size: { height: 56, width: 56 },
      resample: 3,
      do_center_crop: true,
      image_mean: [...OPENAI_CLIP_MEAN],
      image_std: [...OPENAI_CLIP_STD],
    });
    expect(await read('processor_config.json')).toEqual({
      image_token: '<image>',
      num_additional_image_tokens: 0,
      patch_size: 14,
      processor_class: 'LlavaProcessor',
      vision_feature_select_strategy: 'full',
    });
    expect(await read('generation_config.json')).toEqual({
      bos_token_id: 1,
      eos_token_id: 2,
      pad_token_id: 511,
    });
    expect((await read('chat_template.json'))['chat_template']).toBe(LLAVA_CHAT_TEMPLATE);
    // The family reads the folder: 16 tokens per image, as many as the encoder returns.
    const model = llava.bind(readModelJson(dir));
    expect(model.planImage({ width: 640, height: 480 }, 'high').imageTokens).toBe(tiny.imageTokens);
  });

  it('realistic is a scaled-down llava-1.5-7b: 336 px / 14 → 576 tokens, vocabulary 32064 (checked without weights)', () => {
    const dims = llavaDims('realistic');
    expect(dims).toEqual({
      vision: {
        hidden: 256,
        intermediate: 1024,
        layers: 6,
        heads: 4,
        imageSize: 336,
        patchSize: 14,
        layerNormEps: 1e-5,
      },
      text: {
        hidden: 512,
        intermediate: 1376,
        layers: 6,
        heads: 4,
        kvHeads: 4,
        headDim: 128,
        vocabSize: 32064,
        maxPositions: 4096,
        ropeTheta: 10000,
        rmsNormEps: 1e-5,
      },
      tokenizerVocab: 32002,
      featureLayer: -2,
      computedLayers: 5,
      imageTokens: 576,
    });
    const tokenizer = llavaTokenizer(dims, 1);
    expect([tokenizer.vocab.get('<image>'), tokenizer.vocab.get('<pad>'), tokenizer.vocab.size]).toEqual([
      32000, 32001, 32002,
    ]);
    const files: Json = llavaJsonFiles(dims, tokenizer, { externalData: true });
    expect(files['config.json']).toMatchObject({
      image_token_index: 32000,
      pad_token_id: 32001,
      image_seq_length: 576,
    });
    expect(files['config.json'].text_config.vocab_size).toBe(32064);
    expect(files['config.json']['transformers.js_config']).toEqual({ use_external_data_format: true });
    const model = llava.bind({
      dir: '/r',
      config: files['config.json'],
      preprocessorConfig: files['preprocessor_config.json'],
      processorConfig: files['processor_config.json'],
    });
    expect(model.planImage({ width: 1280, height: 720 }, 'high').imageTokens).toBe(576);
    // Silenced: <unk> <s> </s> <image> <pad> and the 62 padded rows no token has.
    const silent = llavaSilentIds(dims, tokenizer);
    expect(silent.slice(0, 5)).toEqual([0, 1, 2, 32000, 32001]);
    expect(silent.length).toBe(5 + 62);
  });

  it('contextLength overrides max_position_embeddings', () => {
    expect(llavaDims('tiny', { contextLength: 300 }).text.maxPositions).toBe(300);
    expect(() => llavaDims('tiny', { contextLength: 0 })).toThrow(/contextLength/);
  });
});

describe('LLaVA chat template', () => {
  const render = (messages: unknown[], addGenerationPrompt = true) =>
    new Template(LLAVA_CHAT_TEMPLATE).render({
      messages,
      add_generation_prompt: addGenerationPrompt,
      bos_token: '<s>',
    });

  it("renders llava-hf's USER: <image>\\n… ASSISTANT: with images first, after <s>", () => {
    const messages = [
      { role: 'user', content: [{ type: 'text', text: 'What is shown?' }, { type: 'image' }] },
    ];
    expect(render(messages)).toBe('<s>USER: <image>\nWhat is shown? ASSISTANT:');
    const turns = [
      ...messages,
      { role: 'assistant', content: [{ type: 'text', text: 'A cat.' }] },
      { role: 'user', content: 'And?' },
    ];
    expect(render(turns)).toBe('<s>USER: <image>\nWhat is shown? ASSISTANT: A cat. USER: And? ASSISTANT:');
    expect(render([{ role: 'system', content: 'Be brief.' }], false)).toBe('<s>Be brief. ');
  });

  it('tokenizes the same in transformers.js and @huggingface/tokenizers, <image> and <s> whole', async () => {
    const dir = await testModelDir(LLAVA);
    env.allowRemoteModels = false;
    env.localModelPath = dirname(dir);
    const js = await AutoTokenizer.from_pretrained(basename(dir));
    const raw = new Tokenizer(
      JSON.parse(await readFile(join(dir, 'tokenizer.json'), 'utf8')),
      JSON.parse(await readFile(join(dir, 'tokenizer_config.json'), 'utf8')),
    );
    for (const text of ['<s>USER: <image>\nWhat is in this image? ASSISTANT:', 'café, 日本 🎉\n  x']) {
      expect(raw.encode(text, { add_special_tokens: false }).ids).toEqual(js.encode(text));
      expect(js.decode(js.encode(text))).toBe(text);
    }
    expect(js.encode('<s><image><image>')).toEqual([1, 510, 510]);
  });
});
