/**
 * Writes a complete LLaVA-1.5 model folder in the Hugging Face onnx-community layout: llava-hf's JSON files
 * (config with a CLIP vision_config and a Llama text_config, CLIPImageProcessor preprocessor_config, LlavaProcessor
 * processor_config, chat template), a byte-level BPE tokenizer with Llama's special tokens and `<image>`, `<pad>`
 * after them, and the three ONNX graphs with seeded random weights.
 */
import { type LlamaNames, buildEmbedTokens, buildLlamaDecoder } from '../../llama.ts';
import { writeModelFolder } from '../../folder.ts';
import { llamaTextConfig, markExternalData, tokenizerJsonFiles, vitVisionConfig } from '../../hf-config.ts';
import { silentTokenIds } from '../../silent-tokens.ts';
import { type TokenizerFiles, buildTokenizer, tokenIdOf } from '../../tokenizer.ts';
import type { GenerateContext } from '../../types.ts';
import { type LlavaDims, llavaDims } from './generate-dims.ts';
import { buildVisionEncoder } from './generate-vision.ts';

/** Llama's first ids: <unk> 0, <s> 1, </s> 2. */
export const LLAVA_LEADING_SPECIALS = ['<unk>', '<s>', '</s>'] as const;
/** llava-hf adds these after Llama's 32 000 tokens: <image> 32000, <pad> 32001. */
export const LLAVA_TRAILING_SPECIALS = ['<image>', '<pad>'] as const;

/** Weight names of the language model in LlavaForConditionalGeneration (transformers ≥ 4.52). */
const TEXT_NAMES: LlamaNames = { prefix: 'model.language_model', lmHead: 'lm_head' };

/**
 * llava-hf/llava-1.5-7b-hf's chat template — `USER: <image>\n<text> ASSISTANT:`, images before text in each
 * message — with two additions: a branch for plain-string content, and `{{ bos_token }}` in front. llava-hf's
 * own template has no BOS because Python's processor tokenizes with add_special_tokens=True and LlamaTokenizer
 * prepends `<s>`; this byte-level tokenizer adds nothing (in Tessera or transformers.js), so the template writes
 * it and the model sees the token sequence a real LLaVA sees.
 */
export const LLAVA_CHAT_TEMPLATE =
  '{{ bos_token }}{% for message in messages %}' +
  "{% if message['role'] != 'system' %}{{ message['role'].upper() + ': ' }}{% endif %}" +
  "{% if message['content'] is string %}{{ message['content'] + ' ' }}{% else %}" +
  "{% for content in message['content'] | selectattr('type', 'equalto', 'image') %}{{ '<image>\\n' }}{% endfor %}" +
  "{% if message['role'] != 'assistant' %}" +
  "{% for content in message['content'] | selectattr('type', 'equalto', 'text') %}{{ content['text'] + ' ' }}{% endfor %}" +
  "{% else %}{% for content in message['content'] | selectattr('type', 'equalto', 'text') %}" +
  "{% generation %}{{ content['text'] + ' ' }}{% endgeneration %}{% endfor %}{% endif %}" +
  "{% endif %}{% endfor %}{% if add_generation_prompt %}{{ 'ASSISTANT:' }}{% endif %}";

export function llavaTokenizer(dims: LlavaDims, seed: number): TokenizerFiles {
  return buildTokenizer({
    vocabSize: dims.tokenizerVocab,
    leadingSpecials: LLAVA_LEADING_SPECIALS,
    trailingSpecials: LLAVA_TRAILING_SPECIALS,
    seed,
    bosToken: '<s>',
    eosToken: '</s>',
    padToken: '<pad>',
    unkToken: '<unk>',
    chatTemplate: LLAVA_CHAT_TEMPLATE,
    modelMaxLength: dims.text.maxPositions,
    extraConfig: { processor_class: 'LlavaProcessor', legacy: false },
  });
}

/** The JSON files of the folder, by name (tokenizer files included). */
export function llavaJsonFiles(
  dims: LlavaDims,
  tokenizer: TokenizerFiles,
  options: { externalData: boolean },
): Record<string, unknown> {
  const id = (token: string): number => tokenIdOf(tokenizer, token);
  const bos = id('<s>');
  const eos = id('</s>');
  const pad = id('<pad>');
  const { vision: v, text: t } = dims;

  const config: Record<string, unknown> = {
    architectures: ['LlavaForConditionalGeneration'],
    model_type: 'llava',
    image_token_index: id('<image>'),
    image_seq_length: dims.imageTokens,
    ignore_index: -100,
    pad_token_id: pad,
    projector_hidden_act: 'gelu',
    multimodal_projector_bias: true,
    vision_feature_layer: dims.featureLayer,
    vision_feature_select_strategy: 'default',
    tie_word_embeddings: false,
    torch_dtype: 'float32',
    text_config: llamaTextConfig(t, 'LlamaForCausalLM', { bos, eos, pad }),
    vision_config: vitVisionConfig('clip_vision_model', v, 'quick_gelu'),
  };
  markExternalData(config, options.externalData);

  return {
    'config.json': config,
    'generation_config.json': { bos_token_id: bos, eos_token_id: eos, pad_token_id: pad },
    'preprocessor_config.json': {
      image_processor_type: 'CLIPImageProcessor',
      processor_class: 'LlavaProcessor',
      do_convert_rgb: true,
      do_resize: true,
      size: { shortest_edge: v.imageSize },
      resample: 3,
      do_center_crop: true,
      crop_size: { height: v.imageSize, width: v.imageSize },
      do_rescale: true,
      rescale_factor: 1 / 255,
      do_normalize: true,
      // OPENAI_CLIP_MEAN / OPENAI_CLIP_STD, written out as llava-hf's file has them (generate*.ts files alone
      // decide when cached test models are regenerated).
      image_mean: [0.48145466, 0.4578275, 0.40821073],
      image_std: [0.26862954, 0.26130258, 0.27577711],
    },
    // llava-hf writes num_additional_image_tokens 1 with strategy "default": Python counts 576 + 1 − 1, but
    // transformers.js never subtracts the 1 and expands to 577, one more than the encoder returns. 0 with
    // "full" is the same 576 in both (the encoder still drops the CLS row, as config.json says).
    'processor_config.json': {
      image_token: '<image>',
      num_additional_image_tokens: 0,
      patch_size: v.patchSize,
      processor_class: 'LlavaProcessor',
      vision_feature_select_strategy: 'full',
    },
    'chat_template.json': { chat_template: LLAVA_CHAT_TEMPLATE },
    ...tokenizerJsonFiles(tokenizer),
  };
}

/** Tokens greedy decoding should never pick: the specials, and the padded vocabulary rows no token has. */
export function llavaSilentIds(dims: LlavaDims, tokenizer: TokenizerFiles): number[] {
  const specials = [...LLAVA_LEADING_SPECIALS, ...LLAVA_TRAILING_SPECIALS];
  return silentTokenIds(tokenizer, specials, dims.text.vocabSize, dims.tokenizerVocab);
}

export async function generateLlava(ctx: GenerateContext): Promise<string[]> {
  const dims = llavaDims(ctx.size, { contextLength: ctx.contextLength });
  const tokenizer = llavaTokenizer(dims, ctx.seed);
  const silentIds = llavaSilentIds(dims, tokenizer);
  return writeModelFolder(ctx, llavaJsonFiles(dims, tokenizer, ctx), {
    vision_encoder: (nn) => buildVisionEncoder(nn, dims),
    embed_tokens: (nn) => buildEmbedTokens(nn, dims.text, TEXT_NAMES),
    decoder_model_merged: (nn) => buildLlamaDecoder(nn, dims.text, TEXT_NAMES, silentIds),
  });
}
