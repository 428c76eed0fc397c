/**
 * Writes a complete SmolVLM model folder in the Hugging Face onnx-community layout: the JSON configs,
 * a real byte-level BPE tokenizer with SmolVLM's special tokens, and the three ONNX graphs with seeded
 * random weights.
 */
import { type LlamaNames, buildEmbedTokens, buildLlamaDecoder } from '../../llama.ts';
import { writeModelFolder } from '../../folder.ts';
import { llamaTextConfig, markExternalData, tokenizerJsonFiles, vitSizeConfig } from '../../hf-config.ts';
import { silentTokenIds } from '../../silent-tokens.ts';
import { type TokenizerFiles, buildTokenizer, tokenIdOf } from '../../tokenizer.ts';
import type { GenerateContext } from '../../types.ts';
import { type SmolVlmDims, smolvlmDims } from './generate-dims.ts';
import { buildVisionEncoder } from './generate-vision.ts';

/** Weight names of SmolVLM's text model (Idefics3's `model.text_model`). */
const TEXT_NAMES: LlamaNames = { prefix: 'model.text_model', lmHead: 'lm_head' };

export const SMOLVLM_LEADING_SPECIALS = ['<|endoftext|>', '<|im_start|>', '<|im_end|>'] as const;

/** The image tokens SmolVLM adds at the end of its vocabulary, `<end_of_utterance>` last. */
export function smolvlmTrailingSpecials(): string[] {
  const grid: string[] = [];
  for (let r = 1; r <= 6; r++) for (let c = 1; c <= 6; c++) grid.push(`<row_${r}_col_${c}>`);
  return ['<global-img>', ...grid, '<fake_token_around_image>', '<image>', '<end_of_utterance>'];
}

/**
 * SmolVLM's chat template, plus one branch so that a message whose content is a plain string renders as
 * "Role: text" instead of nothing.
 */
export const SMOLVLM_CHAT_TEMPLATE =
  "<|im_start|>{% for message in messages %}{{message['role'] | capitalize}}" +
  "{% if message['content'] is string %}{{': ' + message['content']}}{% else %}" +
  "{% if message['content'][0]['type'] == 'image' %}{{':'}}{% else %}{{': '}}{% endif %}" +
  "{% for line in message['content'] %}{% if line['type'] == 'text' %}{{line['text']}}" +
  "{% elif line['type'] == 'image' %}{{ '<image>' }}{% endif %}{% endfor %}{% endif %}<end_of_utterance>\n" +
  "{% endfor %}{% if add_generation_prompt %}{{ 'Assistant:' }}{% endif %}";

export function smolvlmTokenizer(dims: SmolVlmDims, seed: number): TokenizerFiles {
  return buildTokenizer({
    vocabSize: dims.text.vocabSize,
    leadingSpecials: SMOLVLM_LEADING_SPECIALS,
    trailingSpecials: smolvlmTrailingSpecials(),
    seed,
    bosToken: '<|im_start|>',
    eosToken: '<end_of_utterance>',
    padToken: '<|im_end|>',
    unkToken: '<|endoftext|>',
    chatTemplate: SMOLVLM_CHAT_TEMPLATE,
    modelMaxLength: dims.text.maxPositions,
    extraConfig: { processor_class: 'SmolVLMProcessor', legacy: false },
  });
}

/** The JSON files of the folder, by name (tokenizer files included). */
export function smolvlmJsonFiles(
  dims: SmolVlmDims,
  tokenizer: TokenizerFiles,
  options: { externalData: boolean },
): Record<string, unknown> {
  const id = (token: string): number => tokenIdOf(tokenizer, token);
  const bos = id('<|im_start|>');
  const eos = id('<end_of_utterance>');
  const pad = id('<|im_end|>');
  const { vision: v, text: t } = dims;

  const config: Record<string, unknown> = {
    architectures: ['SmolVLMForConditionalGeneration'],
    model_type: 'smolvlm',
    image_token_id: id('<image>'),
    scale_factor: dims.scaleFactor,
    bos_token_id: bos,
    eos_token_id: eos,
    pad_token_id: pad,
    vocab_size: t.vocabSize,
    tie_word_embeddings: false,
    use_cache: true,
    torch_dtype: 'float32',
    text_config: llamaTextConfig(t, 'VLlama3ForCausalLM', { bos, eos, pad }),
    vision_config: {
      model_type: 'smolvlm_vision',
      ...vitSizeConfig(v),
      layer_norm_eps: v.layerNormEps,
      hidden_act: 'gelu_pytorch_tanh',
      max_image_size: { longest_edge: v.imageSize },
    },
  };
  markExternalData(config, options.externalData);

  return {
    'config.json': config,
    'generation_config.json': { bos_token_id: bos, eos_token_id: eos, pad_token_id: pad },
    'preprocessor_config.json': {
      // transformers.js 4.3.1 exports this name as an alias of Idefics3ImageProcessor.
      image_processor_type: 'SmolVLMImageProcessor',
      processor_class: 'SmolVLMProcessor',
      do_convert_rgb: true,
      do_resize: true,
      size: { longest_edge: dims.longestEdge },
      resample: 1,
      do_rescale: true,
      rescale_factor: 1 / 255,
      do_normalize: true,
      image_mean: [0.5, 0.5, 0.5],
      image_std: [0.5, 0.5, 0.5],
      do_image_splitting: true,
      max_image_size: { longest_edge: v.imageSize },
      do_pad: true,
    },
    'processor_config.json': { image_seq_len: dims.imageSeqLen, processor_class: 'SmolVLMProcessor' },
    'chat_template.json': { chat_template: SMOLVLM_CHAT_TEMPLATE },
    ...tokenizerJsonFiles(tokenizer),
  };
}

export async function generateSmolVlm(ctx: GenerateContext): Promise<string[]> {
  const dims = smolvlmDims(ctx.size, { contextLength: ctx.contextLength });
  const tokenizer = smolvlmTokenizer(dims, ctx.seed);
  // The tokenizer fills the whole vocabulary, so only the specials are silenced.
  const specials = [...SMOLVLM_LEADING_SPECIALS, ...smolvlmTrailingSpecials()];
  const specialIds = silentTokenIds(tokenizer, specials, dims.text.vocabSize, dims.text.vocabSize);
  return writeModelFolder(ctx, smolvlmJsonFiles(dims, tokenizer, ctx), {
    vision_encoder: (nn) => buildVisionEncoder(nn, dims),
    embed_tokens: (nn) => buildEmbedTokens(nn, dims.text, TEXT_NAMES),
    decoder_model_merged: (nn) => buildLlamaDecoder(nn, dims.text, TEXT_NAMES, specialIds),
  });
}
