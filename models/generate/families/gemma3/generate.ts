/**
 * Writes a complete Gemma 3 model folder in the onnx-community layout: google/gemma-3-4b-it's JSON files (config
 * with a SigLIP vision_config and a gemma3_text text_config, Gemma3ImageProcessor preprocessor_config,
 * Gemma3Processor processor_config, the Gemma 3 chat template), a byte-level BPE tokenizer with Gemma's special
 * tokens (pad, eos, bos, unk, turn markers first; `<start_of_image>`, `<end_of_image>`, `<image_soft_token>` last,
 * the soft token the last tokenizer id as in Gemma's 262 144), and the three ONNX graphs with seeded weights.
 * `attention: 'gqa'` writes the decoder in the GQA form of the current onnx-community exports
 * (generate-decoder-gqa.ts) with the same weights.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeModelFolder } from '../../folder.ts';
import {
  markExternalData,
  siglipVisionConfig,
  textLayerConfig,
  tokenizerJsonFiles,
} from '../../hf-config.ts';
import { silentTokenIds } from '../../silent-tokens.ts';
import { type TokenizerFiles, buildTokenizer, tokenIdOf } from '../../tokenizer.ts';
import type { GenerateContext } from '../../types.ts';
import { BOI_TOKEN, EOI_TOKEN, IMAGE_TOKEN } from '../../../families/gemma3/config.ts';
import { buildGemma3Decoder, buildGemma3EmbedTokens } from './generate-decoder.ts';
import { buildGemma3GqaDecoder } from './generate-decoder-gqa.ts';
import { type Gemma3Dims, gemma3Dims, isGlobalLayer } from './generate-dims.ts';
import { buildGemma3VisionEncoder } from './generate-vision.ts';

/** Gemma's first ids: <pad> 0, <eos> 1, <bos> 2, <unk> 3, then the turn markers (105 and 106 in Gemma's). */
export const GEMMA3_LEADING_SPECIALS = [
  '<pad>',
  '<eos>',
  '<bos>',
  '<unk>',
  '<start_of_turn>',
  '<end_of_turn>',
] as const;
export const GEMMA3_TRAILING_SPECIALS = [BOI_TOKEN, EOI_TOKEN, IMAGE_TOKEN] as const;

/** google/gemma-3-4b-it's chat template (the one Python's processor tests use), written out. */
export const GEMMA3_CHAT_TEMPLATE =
  "{{ bos_token }}\n{%- if messages[0]['role'] == 'system' -%}\n" +
  "    {%- set first_user_prefix = messages[0]['content'][0]['text'] + '\\n\\n' -%}\n" +
  '    {%- set loop_messages = messages[1:] -%}\n{%- else -%}\n' +
  '    {%- set first_user_prefix = "" -%}\n    {%- set loop_messages = messages -%}\n{%- endif -%}\n' +
  '{%- for message in loop_messages -%}\n' +
  "    {%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) -%}\n" +
  '        {{ raise_exception("Conversation roles must alternate user/assistant/user/assistant/...") }}\n' +
  '    {%- endif -%}\n' +
  "    {%- if (message['role'] == 'assistant') -%}\n" +
  '        {%- set role = "model" -%}\n    {%- else -%}\n' +
  "        {%- set role = message['role'] -%}\n    {%- endif -%}\n" +
  "    {{ '<start_of_turn>' + role + '\\n' + (first_user_prefix if loop.first else \"\") }}\n" +
  "    {%- if message['content'] is string -%}\n        {{ message['content'] | trim }}\n" +
  "    {%- elif message['content'] is iterable -%}\n        {%- for item in message['content'] -%}\n" +
  "            {%- if item['type'] == 'image' -%}\n                {{ '<start_of_image>' }}\n" +
  "            {%- elif item['type'] == 'text' -%}\n                {{ item['text'] | trim }}\n" +
  '            {%- endif -%}\n        {%- endfor -%}\n    {%- else -%}\n' +
  '        {{ raise_exception("Invalid content type") }}\n    {%- endif -%}\n' +
  "    {{ '<end_of_turn>\\n' }}\n{%- endfor -%}\n" +
  "{%- if add_generation_prompt -%}\n    {{'<start_of_turn>model\\n'}}\n{%- endif -%}\n";

export function gemma3Tokenizer(dims: Gemma3Dims, seed: number): TokenizerFiles {
  return buildTokenizer({
    vocabSize: dims.tokenizerVocab,
    leadingSpecials: GEMMA3_LEADING_SPECIALS,
    trailingSpecials: GEMMA3_TRAILING_SPECIALS,
    seed,
    bosToken: '<bos>',
    eosToken: '<eos>',
    padToken: '<pad>',
    unkToken: '<unk>',
    chatTemplate: GEMMA3_CHAT_TEMPLATE,
    modelMaxLength: dims.text.maxPositions,
    // Gemma3Processor (Python and transformers.js) reads the image markers from the tokenizer config.
    extraConfig: {
      processor_class: 'Gemma3Processor',
      boi_token: BOI_TOKEN,
      eoi_token: EOI_TOKEN,
      image_token: IMAGE_TOKEN,
    },
  });
}

/** The JSON files of the folder, by name (tokenizer files included). */
export function gemma3JsonFiles(
  dims: Gemma3Dims,
  tokenizer: TokenizerFiles,
  options: { externalData: boolean },
): Record<string, unknown> {
  const id = (token: string): number => tokenIdOf(tokenizer, token);
  const [bos, eos, pad, endOfTurn] = ['<bos>', '<eos>', '<pad>', '<end_of_turn>'].map(id);
  const { vision: v, text: t } = dims;
  const config: Record<string, unknown> = {
    architectures: ['Gemma3ForConditionalGeneration'],
    model_type: 'gemma3',
    boi_token_index: id(BOI_TOKEN),
    eoi_token_index: id(EOI_TOKEN),
    image_token_index: id(IMAGE_TOKEN),
    mm_tokens_per_image: dims.tokensPerView,
    initializer_range: 0.02,
    torch_dtype: 'float32',
    text_config: {
      model_type: 'gemma3_text',
      ...textLayerConfig(t),
      head_dim: t.headDim,
      query_pre_attn_scalar: t.queryPreAttnScalar,
      sliding_window: t.slidingWindow,
      sliding_window_pattern: t.slidingWindowPattern,
      layer_types: Array.from({ length: t.layers }, (_, i) =>
        isGlobalLayer(t, i) ? 'full_attention' : 'sliding_attention',
      ),
      rope_theta: t.ropeTheta,
      rope_local_base_freq: t.ropeLocalBaseFreq,
      rope_scaling: { rope_type: 'linear', factor: t.ropeScalingFactor },
      rms_norm_eps: t.rmsNormEps,
      hidden_activation: 'gelu_pytorch_tanh',
      attn_logit_softcapping: null,
      final_logit_softcapping: null,
      vocab_size: t.vocabSize,
      max_position_embeddings: t.maxPositions,
      // The generated lm_head has its own weights (its special-token columns are silenced).
      tie_word_embeddings: false,
    },
    vision_config: siglipVisionConfig(v),
  };
  markExternalData(config, options.externalData);
  return {
    'config.json': config,
    'generation_config.json': { bos_token_id: bos, eos_token_id: [eos, endOfTurn], pad_token_id: pad },
    // gemma-3-4b-it's file: pan-and-scan keys null (Python's processor defaults apply, off).
    'preprocessor_config.json': {
      image_processor_type: 'Gemma3ImageProcessor',
      processor_class: 'Gemma3Processor',
      do_convert_rgb: null,
      do_normalize: true,
      do_pan_and_scan: null,
      do_rescale: true,
      do_resize: true,
      image_mean: [0.5, 0.5, 0.5],
      image_std: [0.5, 0.5, 0.5],
      image_seq_length: dims.tokensPerView,
      pan_and_scan_max_num_crops: null,
      pan_and_scan_min_crop_size: null,
      pan_and_scan_min_ratio_to_activate: null,
      resample: 2,
      rescale_factor: 1 / 255,
      size: { height: v.imageSize, width: v.imageSize },
    },
    'processor_config.json': { image_seq_length: dims.tokensPerView, processor_class: 'Gemma3Processor' },
    ...tokenizerJsonFiles(tokenizer),
  };
}

/** Tokens greedy decoding should never pick: the specials (end of turn included) and the padded rows. */
export function gemma3SilentIds(dims: Gemma3Dims, tokenizer: TokenizerFiles): number[] {
  const specials = [...GEMMA3_LEADING_SPECIALS, ...GEMMA3_TRAILING_SPECIALS];
  return silentTokenIds(tokenizer, specials, dims.text.vocabSize, dims.tokenizerVocab);
}

export async function generateGemma3(ctx: GenerateContext): Promise<string[]> {
  const dims = gemma3Dims(ctx.size, { contextLength: ctx.contextLength });
  const tokenizer = gemma3Tokenizer(dims, ctx.seed);
  const silentIds = gemma3SilentIds(dims, tokenizer);
  const buildDecoder = ctx.attention === 'gqa' ? buildGemma3GqaDecoder : buildGemma3Decoder;
  const written = await writeModelFolder(ctx, gemma3JsonFiles(dims, tokenizer, ctx), {
    vision_encoder: (nn) => buildGemma3VisionEncoder(nn, dims),
    embed_tokens: (nn) => buildGemma3EmbedTokens(nn, dims.text),
    decoder_model_merged: (nn) => buildDecoder(nn, dims.text, silentIds),
  });
  // transformers.js's Gemma3Processor reads the template from chat_template.jinja only (uses_chat_template_file).
  await writeFile(join(ctx.dir, 'chat_template.jinja'), GEMMA3_CHAT_TEMPLATE);
  return [...written, 'chat_template.jinja'];
}
