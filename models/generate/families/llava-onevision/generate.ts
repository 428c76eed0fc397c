/**
 * Writes a complete LLaVA-OneVision model folder in the onnx-community layout: llava-hf's JSON files (config with a
 * SigLIP vision_config, a Qwen2 text_config, the pinpoints and anyres_max_9; LlavaOnevisionImageProcessor and
 * LlavaOnevisionProcessor configs; the chat template), a byte-level BPE tokenizer with Qwen2's specials and
 * `<image>` `<video>` after them, and the three ONNX graphs with seeded random weights.
 */
import { type LlamaNames, buildEmbedTokens, buildLlamaDecoder } from '../../llama.ts';
import { writeModelFolder } from '../../folder.ts';
import { markExternalData, siglipVisionConfig, tokenizerJsonFiles } from '../../hf-config.ts';
import { qwen2Config, qwen2SilentIds, qwen2Tokenizer } from '../../qwen2.ts';
import { type TokenizerFiles, tokenIdOf } from '../../tokenizer.ts';
import type { GenerateContext } from '../../types.ts';
import { type OnevisionDims, onevisionDims } from './generate-dims.ts';
import { buildOnevisionVision } from './generate-vision.ts';

export const ONEVISION_SPECIALS = ['<image>', '<video>'] as const;

const TEXT_NAMES: LlamaNames = { prefix: 'model.language_model', lmHead: 'lm_head' };

/**
 * llava-hf's template (as in transformers' test_processor_llava_onevision): `<|im_start|>user <image>\n<text>
 * <|im_end|>`, images before text, and `<|im_start|>assistant\n` to answer. The video branch is left out.
 */
export const ONEVISION_CHAT_TEMPLATE =
  "{% for message in messages %}{{ '<|im_start|>' + message['role'] + ' ' }}" +
  "{% if message['content'] is string %}{{ '\\n' + message['content'] }}{% else %}" +
  "{% for content in message['content'] | selectattr('type', 'equalto', 'image') %}{{ '<image>' }}{% endfor %}" +
  "{% if message['role'] != 'assistant' %}" +
  "{% for content in message['content'] | selectattr('type', 'equalto', 'text') %}{{ '\\n' + content['text'] }}{% endfor %}" +
  "{% else %}{% for content in message['content'] | selectattr('type', 'equalto', 'text') %}" +
  "{% generation %}{{ '\\n' + content['text'] }}{% endgeneration %}{% endfor %}{% endif %}" +
  "{% endif %}{{ '<|im_end|>' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

export function onevisionTokenizer(dims: OnevisionDims, seed: number): TokenizerFiles {
  return qwen2Tokenizer({
    tokenizerVocab: dims.tokenizerVocab,
    extraSpecials: ONEVISION_SPECIALS,
    seed,
    chatTemplate: ONEVISION_CHAT_TEMPLATE,
    maxPositions: dims.text.maxPositions,
    processorClass: 'LlavaOnevisionProcessor',
  });
}

export function onevisionJsonFiles(
  dims: OnevisionDims,
  tokenizer: TokenizerFiles,
  options: { externalData: boolean },
): Record<string, unknown> {
  const { vision: v, text: t } = dims;
  const imageId = tokenIdOf(tokenizer, '<image>');
  const textConfig = qwen2Config(t, tokenizer);
  const config: Record<string, unknown> = {
    architectures: ['LlavaOnevisionForConditionalGeneration'],
    model_type: 'llava_onevision',
    image_token_index: imageId,
    video_token_index: tokenIdOf(tokenizer, '<video>'),
    image_grid_pinpoints: dims.pinpoints,
    vision_aspect_ratio: 'anyres_max_9',
    vision_feature_layer: -1,
    vision_feature_select_strategy: 'full',
    projector_hidden_act: 'gelu',
    multimodal_projector_bias: true,
    tie_word_embeddings: false,
    torch_dtype: 'float32',
    text_config: textConfig,
    vision_config: siglipVisionConfig(v),
  };
  markExternalData(config, options.externalData);

  return {
    'config.json': config,
    'generation_config.json': {
      bos_token_id: textConfig.bos_token_id,
      eos_token_id: textConfig.eos_token_id,
      pad_token_id: textConfig.bos_token_id,
    },
    'preprocessor_config.json': {
      image_processor_type: 'LlavaOnevisionImageProcessor',
      processor_class: 'LlavaOnevisionProcessor',
      do_convert_rgb: true,
      do_resize: true,
      size: { height: v.imageSize, width: v.imageSize },
      resample: 3,
      do_rescale: true,
      rescale_factor: 1 / 255,
      do_normalize: true,
      // llava-hf's files: SigLIP's 0.5 / 0.5.
      image_mean: [0.5, 0.5, 0.5],
      image_std: [0.5, 0.5, 0.5],
      do_pad: true,
      image_grid_pinpoints: dims.pinpoints,
    },
    'processor_config.json': {
      image_token: '<image>',
      video_token: '<video>',
      num_image_tokens: dims.viewTokens,
      processor_class: 'LlavaOnevisionProcessor',
      vision_feature_select_strategy: 'full',
    },
    'chat_template.json': { chat_template: ONEVISION_CHAT_TEMPLATE },
    ...tokenizerJsonFiles(tokenizer),
  };
}

export async function generateOnevision(ctx: GenerateContext): Promise<string[]> {
  const dims = onevisionDims(ctx.size, { contextLength: ctx.contextLength });
  const tokenizer = onevisionTokenizer(dims, ctx.seed);
  const silent = qwen2SilentIds(dims.text, tokenizer, dims.tokenizerVocab, ONEVISION_SPECIALS);
  return writeModelFolder(ctx, onevisionJsonFiles(dims, tokenizer, ctx), {
    vision_encoder: (nn) => buildOnevisionVision(nn, dims),
    embed_tokens: (nn) => buildEmbedTokens(nn, dims.text, TEXT_NAMES),
    decoder_model_merged: (nn) => buildLlamaDecoder(nn, dims.text, TEXT_NAMES, silent),
  });
}
