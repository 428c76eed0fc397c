import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Template } from '@huggingface/jinja';
import { Tokenizer } from '@huggingface/tokenizers';
import {
  AutoModelForVision2Seq,
  AutoProcessor,
  AutoTokenizer,
  RawImage,
  env,
} from '@huggingface/transformers';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import {
  type Json,
  describeGraphIo,
  folderVariants,
  llamaTextIo,
  meta,
  readJson,
} from '../../../testing/graph-io.ts';
import { type TestModelOptions, testModelDir } from '../../../testing/test-models.ts';
import { smolvlmDims } from './generate-dims.ts';
import { SMOLVLM_CHAT_TEMPLATE, smolvlmJsonFiles, smolvlmTokenizer } from './generate.ts';

const tiny = smolvlmDims('tiny');

describeGraphIo('generated tiny SmolVLM folder', folderVariants({ dtype: 'fp32' }), {
  vision_encoder: {
    inputs: [
      meta('pixel_values', 'float32', ['batch_size', 'num_images', 3, 'height', 'width']),
      meta('pixel_attention_mask', 'bool', ['batch_size', 'num_images', 'height', 'width']),
    ],
    // Declared as 'image_seq_len'; onnxruntime reports the value its shape inference proves.
    outputs: [meta('image_features', 'float32', ['num_real_images', tiny.imageSeqLen, tiny.text.hidden])],
  },
  ...llamaTextIo(tiny.text),
});

describe('generated tiny SmolVLM variants', () => {
  async function imageFeatures(options: TestModelOptions, suffix: string): Promise<Float32Array> {
    const M = tiny.vision.imageSize;
    const session = await ort.InferenceSession.create(
      join(await testModelDir(options), 'onnx', `vision_encoder${suffix}.onnx`),
    );
    const pixels = Float32Array.from({ length: 3 * M * M }, (_, i) => Math.sin(i * 0.37));
    const out = await session.run({
      pixel_values: new ort.Tensor('float32', pixels, [1, 1, 3, M, M]),
      pixel_attention_mask: new ort.Tensor('bool', new Uint8Array(M * M).fill(1), [1, 1, M, M]),
    });
    return out['image_features']?.data as Float32Array;
  }

  it('external data changes where weights live, not what the model computes', async () => {
    const inline = await imageFeatures({ dtype: 'fp32' }, '');
    const external = await imageFeatures({ dtype: 'fp32', externalData: true }, '');
    expect(Array.from(external)).toEqual(Array.from(inline));
  });

  it('q4 is the same model as fp32, quantised: features agree closely but not exactly', async () => {
    const fp32 = await imageFeatures({ dtype: 'fp32' }, '');
    const q4 = await imageFeatures({ dtype: 'q4' }, '_q4');
    let dot = 0;
    let a = 0;
    let b = 0;
    for (let i = 0; i < fp32.length; i++) {
      dot += (fp32[i] as number) * (q4[i] as number);
      a += (fp32[i] as number) ** 2;
      b += (q4[i] as number) ** 2;
    }
    const cosine = dot / Math.sqrt(a * b);
    expect(cosine).toBeGreaterThan(0.9);
    expect(cosine).toBeLessThan(1);
  });

  it('another seed gives other weights', async () => {
    expect(Array.from(await imageFeatures({ seed: 2 }, ''))).not.toEqual(
      Array.from(await imageFeatures({}, '')),
    );
  });
});

describe('generated SmolVLM JSON files', () => {
  it('config.json, processor and generation configs agree with the dimensions and the tokenizer', async () => {
    const dir = await testModelDir();
    const read = (name: string) => readJson(dir, name);
    const config = await read('config.json');
    const tokenizer = new Tokenizer(await read('tokenizer.json'), await read('tokenizer_config.json'));
    expect(config).toMatchObject({
      model_type: 'smolvlm',
      architectures: ['SmolVLMForConditionalGeneration'],
      image_token_id: tokenizer.token_to_id('<image>'),
      scale_factor: 2,
      text_config: {
        model_type: 'llama',
        hidden_size: 64,
        intermediate_size: 128,
        num_hidden_layers: 2,
        num_attention_heads: 4,
        num_key_value_heads: 2,
        head_dim: 16,
        vocab_size: 512,
        max_position_embeddings: 2048,
      },
      vision_config: {
        model_type: 'smolvlm_vision',
        hidden_size: 32,
        intermediate_size: 64,
        num_hidden_layers: 2,
        num_attention_heads: 2,
        image_size: 64,
        patch_size: 8,
      },
    });
    expect(config['transformers.js_config']).toBeUndefined();
    expect(tokenizer.get_vocab(true).size).toBe(512);
    expect(await read('processor_config.json')).toEqual({
      image_seq_len: 16,
      processor_class: 'SmolVLMProcessor',
    });
    expect(await read('preprocessor_config.json')).toMatchObject({
      image_processor_type: 'SmolVLMImageProcessor',
      size: { longest_edge: 256 },
      max_image_size: { longest_edge: 64 },
      do_image_splitting: true,
      resample: 1,
    });
    expect(await read('generation_config.json')).toEqual({
      bos_token_id: tokenizer.token_to_id('<|im_start|>'),
      eos_token_id: tokenizer.token_to_id('<end_of_utterance>'),
      pad_token_id: tokenizer.token_to_id('<|im_end|>'),
    });
    expect((await read('chat_template.json'))['chat_template']).toBe(SMOLVLM_CHAT_TEMPLATE);
    expect((await read('tokenizer_config.json'))['chat_template']).toBe(SMOLVLM_CHAT_TEMPLATE);

    const ext = JSON.parse(
      await readFile(join(await testModelDir({ externalData: true }), 'config.json'), 'utf8'),
    );
    expect(ext['transformers.js_config']).toEqual({ use_external_data_format: true });
  });

  it('contextLength overrides max_position_embeddings', async () => {
    const dir = await testModelDir({ contextLength: 300 });
    const config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'));
    expect(config.text_config.max_position_embeddings).toBe(300);
    expect(() => smolvlmDims('tiny', { contextLength: 0 })).toThrow(/contextLength/);
  });

  it('realistic dimensions are SmolVLM-256M (checked without writing weights)', () => {
    const dims = smolvlmDims('realistic');
    expect(dims).toEqual({
      vision: {
        hidden: 768,
        intermediate: 3072,
        layers: 12,
        heads: 12,
        imageSize: 512,
        patchSize: 16,
        layerNormEps: 1e-6,
      },
      text: {
        hidden: 576,
        intermediate: 1536,
        layers: 30,
        heads: 9,
        kvHeads: 3,
        headDim: 64,
        vocabSize: 49280,
        maxPositions: 8192,
        ropeTheta: 100000,
        rmsNormEps: 1e-5,
      },
      scaleFactor: 4,
      imageSeqLen: 64,
      longestEdge: 2048,
    });
    const tokenizer = smolvlmTokenizer(dims, 1);
    expect(tokenizer.vocab.size).toBe(49280);
    expect(tokenizer.vocab.get('<end_of_utterance>')).toBe(49279);
    const files: Json = smolvlmJsonFiles(dims, tokenizer, { externalData: true });
    expect(files['config.json'].text_config.vocab_size).toBe(49280);
    expect(files['processor_config.json'].image_seq_len).toBe(64);
    expect(files['preprocessor_config.json'].size).toEqual({ longest_edge: 2048 });
    expect(files['config.json']['transformers.js_config']).toEqual({ use_external_data_format: true });
  });
});

describe('SmolVLM chat template', () => {
  const render = (messages: unknown[], addGenerationPrompt = true) =>
    new Template(SMOLVLM_CHAT_TEMPLATE).render({ messages, add_generation_prompt: addGenerationPrompt });

  it('renders like SmolVLM: no space after the colon when the message starts with an image', () => {
    const messages = [
      { role: 'user', content: [{ type: 'image' }, { type: 'text', text: 'Can you describe this image?' }] },
    ];
    expect(render(messages)).toBe(
      '<|im_start|>User:<image>Can you describe this image?<end_of_utterance>\nAssistant:',
    );
    const textFirst = [
      { role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image' }] },
    ];
    expect(render(textFirst, false)).toBe('<|im_start|>User: What is this?<image><end_of_utterance>\n');
  });

  it('accepts plain-string content too', () => {
    const messages = [
      { role: 'user', content: 'Hello' },
      { role: 'assistant', content: 'Hi there' },
    ];
    expect(render(messages)).toBe(
      '<|im_start|>User: Hello<end_of_utterance>\nAssistant: Hi there<end_of_utterance>\nAssistant:',
    );
  });
});

describe('transformers.js on the generated folders', () => {
  const TEXTS = [
    'What is in this image?',
    'café crème, 日本, emoji 🎉🚀 and\nnew lines  ',
    '<image> stays whole',
  ];

  async function useLocal(options: TestModelOptions): Promise<string> {
    const dir = await testModelDir(options);
    env.allowRemoteModels = false;
    env.allowLocalModels = true;
    env.localModelPath = dirname(dir);
    return basename(dir);
  }

  it('AutoTokenizer and @huggingface/tokenizers load tokenizer.json and round-trip text', async () => {
    const id = await useLocal({});
    const tokenizer = await AutoTokenizer.from_pretrained(id);
    const raw = new Tokenizer(
      JSON.parse(await readFile(join(env.localModelPath, id, 'tokenizer.json'), 'utf8')),
      JSON.parse(await readFile(join(env.localModelPath, id, 'tokenizer_config.json'), 'utf8')),
    );
    for (const text of TEXTS) {
      const ids = tokenizer.encode(text);
      expect(raw.encode(text).ids).toEqual(ids);
      expect(tokenizer.decode(ids)).toBe(text);
      expect(raw.decode(ids)).toBe(text);
    }
    expect(tokenizer.encode('<row_2_col_3><global-img>')).toEqual([
      raw.token_to_id('<row_2_col_3>'),
      raw.token_to_id('<global-img>'),
    ]);
    expect(tokenizer.eos_token).toBe('<end_of_utterance>');
  });

  it.each([
    { label: 'fp32', options: { dtype: 'fp32' }, dtype: 'fp32' },
    { label: 'q4', options: { dtype: 'q4' }, dtype: 'q4' },
    { label: 'fp32 + external data', options: { externalData: true }, dtype: 'fp32' },
  ] as const)('loads the $label folder and generates new tokens for an image', async ({ options, dtype }) => {
    const id = await useLocal(options);
    const processor = await AutoProcessor.from_pretrained(id);
    const model = await AutoModelForVision2Seq.from_pretrained(id, { dtype, device: 'cpu' });
    try {
      const messages = [
        { role: 'user', content: [{ type: 'image' }, { type: 'text', text: 'What is in this image?' }] },
      ];
      const text = processor.apply_chat_template(messages, { add_generation_prompt: true });
      expect(text).toBe('<|im_start|>User:<image>What is in this image?<end_of_utterance>\nAssistant:');

      // 100×60 → resized to 256 wide → 4×3 tiles of 64 plus the global image: 13 frames.
      const data = new Uint8ClampedArray(100 * 60 * 3).map((_, i) => (i * 37) % 256);
      const inputs = await processor(text, [new RawImage(data, 100, 60, 3)]);
      expect(inputs.pixel_values.dims).toEqual([1, 13, 3, 64, 64]);

      const output = (await model.generate({ ...inputs, max_new_tokens: 8, do_sample: false })) as {
        dims: number[];
        tolist(): bigint[][];
      };
      const promptLength = inputs.input_ids.dims[1] as number;
      expect(output.dims).toEqual([1, promptLength + 8]);
      const newTokens = (output.tolist()[0] ?? []).slice(promptLength).map(Number);
      // Random weights, but not a single token repeated forever.
      expect(new Set(newTokens).size).toBeGreaterThan(1);
    } finally {
      await model.dispose();
    }
  });
});
