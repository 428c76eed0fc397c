import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { AutoTokenizer, env } from '@huggingface/transformers';
import { describe, expect, it } from 'vitest';
import { readModelJson } from '../../../runtime/model-folder.ts';
import { loadTextModel } from '../../../text/tokenizer.ts';
import {
  type Json,
  describeGraphIo,
  folderVariants,
  readJson,
  singleViewVlmIo,
} from '../../../testing/graph-io.ts';
import { type TestModelOptions, testModelDir } from '../../../testing/test-models.ts';
import { gemma3 } from '../../../families/gemma3/geometry.ts';
import { gemma3Dims, isGlobalLayer } from './generate-dims.ts';
import { GEMMA3_CHAT_TEMPLATE, gemma3JsonFiles, gemma3Tokenizer } from './generate.ts';
import type { ModelJson } from '../../../families/family.ts';

const tiny = gemma3Dims('tiny');
const GEMMA3: TestModelOptions = { family: 'gemma3' };

// The graph interfaces transformers.js's gemma3 path and the runtime rely on.
describeGraphIo(
  'generated tiny Gemma 3 folder',
  folderVariants(GEMMA3),
  singleViewVlmIo(tiny.vision.imageSize, tiny.tokensPerView, tiny.text),
);

describe('generated Gemma 3 JSON files', () => {
  it("are gemma-3-4b-it's files, agreeing with the dimensions and the tokenizer", async () => {
    const dir = await testModelDir(GEMMA3);
    const read = (name: string) => readJson(dir, name);
    const config = await read('config.json');
    const text = loadTextModel(dir);
    expect(config.model_type).toBe('gemma3');
    expect(config.image_token_index).toBe(text.tokenId('<image_soft_token>'));
    expect(config.image_token_index).toBe(tiny.tokenizerVocab - 1);
    expect(config.boi_token_index).toBe(text.tokenId('<start_of_image>'));
    expect(config.eoi_token_index).toBe(text.tokenId('<end_of_image>'));
    expect(config.text_config.layer_types).toEqual([...Array(5).fill('sliding_attention'), 'full_attention']);
    expect((await read('preprocessor_config.json')).do_pan_and_scan).toBeNull();
    expect((await read('processor_config.json')).image_seq_length).toBe(16);
    expect(await readFile(join(dir, 'chat_template.jinja'), 'utf8')).toBe(GEMMA3_CHAT_TEMPLATE);
    // End of sequence: <eos> and <end_of_turn>, as gemma-3-4b-it's generation_config.json.
    expect([...text.eosTokenIds].sort()).toEqual(
      [text.tokenId('<eos>'), text.tokenId('<end_of_turn>')].sort(),
    );
    const family = gemma3.bind(readModelJson(dir));
    expect(family.planImage({ width: 640, height: 480 }, 'low').imageTokens).toBe(16);
  });

  it('realistic is a scaled-down gemma-3-4b-it: 896 px / 14 → 256 soft tokens, vocabulary 262208 (checked without weights)', () => {
    const dims = gemma3Dims('realistic');
    expect(dims.text.vocabSize).toBe(262_208);
    expect(dims.tokenizerVocab).toBe(262_145);
    expect([dims.text.headDim, dims.text.slidingWindow, dims.text.maxPositions]).toEqual([256, 1024, 131072]);
    expect(Array.from({ length: 6 }, (_, i) => isGlobalLayer(dims.text, i))).toEqual([
      false,
      false,
      false,
      false,
      false,
      true,
    ]);
    // The JSON geometry (token ids from the tiny tokenizer: building the 262 145-token one takes half a minute).
    const files = gemma3JsonFiles(dims, gemma3Tokenizer(tiny, 1), { externalData: true }) as Json;
    const json: ModelJson = {
      dir: '/realistic',
      config: files['config.json'],
      preprocessorConfig: files['preprocessor_config.json'],
      processorConfig: files['processor_config.json'],
    };
    const plan = gemma3.bind(json).planImage({ width: 1800, height: 600 }, 'high');
    expect(plan.tiles.map((t) => [t.inputWidth, t.tokens])).toEqual(Array(3).fill([896, 256]));
    expect(plan.imageTokens).toBe(1024);
    expect(files['config.json']['transformers.js_config']).toEqual({ use_external_data_format: true });
  });

  it('contextLength overrides max_position_embeddings', () => {
    expect(gemma3Dims('tiny', { contextLength: 64 }).text.maxPositions).toBe(64);
    expect(() => gemma3Dims('tiny', { contextLength: 0 })).toThrow(/positive integer/);
  });
});

describe('Gemma 3 chat template', () => {
  it('renders <bos><start_of_turn>user\\n<start_of_image>…<end_of_turn>\\n<start_of_turn>model\\n, the same in transformers.js', async () => {
    const dir = await testModelDir(GEMMA3);
    const messages = [
      { role: 'user', content: [{ type: 'image' }, { type: 'text', text: ' Hi there ' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'Hello.' }] },
      { role: 'user', content: [{ type: 'text', text: 'More?' }] },
    ];
    const ours = loadTextModel(dir).renderChat(messages as never, true);
    expect(ours).toBe(
      '<bos><start_of_turn>user\n<start_of_image>Hi there<end_of_turn>\n<start_of_turn>model\nHello.<end_of_turn>\n' +
        '<start_of_turn>user\nMore?<end_of_turn>\n<start_of_turn>model\n',
    );
    env.allowRemoteModels = false;
    env.localModelPath = dirname(dir);
    const tokenizer = await AutoTokenizer.from_pretrained(basename(dir));
    expect(
      tokenizer.apply_chat_template(messages as never, { tokenize: false, add_generation_prompt: true }),
    ).toBe(ours);
    // Special tokens stay whole.
    const ids = loadTextModel(dir).encode('<start_of_image><image_soft_token><end_of_image>');
    expect(ids).toHaveLength(3);
  });
});
