/**
 * Writes a complete FastVLM model folder in onnx-community/FastVLM-0.5B-ONNX's layout: a llava_qwen2 config.json
 * (Qwen2 keys at the top level, as apple's checkpoint has them, plus image_token_index), the CLIPImageProcessor
 * and LlavaProcessor configs of transformers' FastVLM conversion, its chat template, a byte-level BPE tokenizer
 * with Qwen2's specials and `<image>` after them, and the three ONNX graphs with seeded random weights.
 */
import { type LlamaNames, buildEmbedTokens, buildLlamaDecoder } from '../../llama.ts';
import { writeModelFolder } from '../../folder.ts';
import { markExternalData, tokenizerJsonFiles } from '../../hf-config.ts';
import { qwen2Config, qwen2SilentIds, qwen2Tokenizer } from '../../qwen2.ts';
import { type TokenizerFiles, tokenIdOf } from '../../tokenizer.ts';
import type { GenerateContext } from '../../types.ts';
import { type FastVlmDims, fastVlmDims } from './generate-dims.ts';
import { buildFastVlmVision } from './generate-vision.ts';

const SPECIALS = ['<image>'] as const;

/** LlavaQwen2ForCausalLM's weight names: the Qwen2 model at the top. */
const TEXT_NAMES: LlamaNames = { prefix: 'model', lmHead: 'lm_head' };

/**
 * transformers' FastVLM conversion template: a default system turn first, `<|im_start|>{role}\n`, the images,
 * `\n` + each text, `<|im_end|>\n`; `<|im_start|>assistant\n` to answer.
 */
export const FASTVLM_CHAT_TEMPLATE =
  '{% for message in messages %}' +
  "{% if loop.first and message['role'] != 'system' %}{{ '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}{% endif %}" +
  "{{ '<|im_start|>' + message['role'] + '\\n' }}" +
  "{% if message['content'] is string %}{{ message['content'] }}{% else %}" +
  "{% for content in message['content'] | selectattr('type', 'equalto', 'image') %}{{ '<image>' }}{% endfor %}" +
  "{% for content in message['content'] | selectattr('type', 'equalto', 'text') %}{{ '\\n' + content['text'] }}{% endfor %}" +
  "{% endif %}{{ '<|im_end|>\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

export function fastVlmTokenizer(dims: FastVlmDims, seed: number): TokenizerFiles {
  return qwen2Tokenizer({
    tokenizerVocab: dims.tokenizerVocab,
    extraSpecials: SPECIALS,
    seed,
    chatTemplate: FASTVLM_CHAT_TEMPLATE,
    maxPositions: dims.text.maxPositions,
    processorClass: 'LlavaProcessor',
  });
}

export function fastVlmJsonFiles(
  dims: FastVlmDims,
  tokenizer: TokenizerFiles,
  options: { externalData: boolean },
): Record<string, unknown> {
  const S = dims.imageSize;
  const { model_type: _qwen2, architectures: _arch, ...qwen2 } = qwen2Config(dims.text, tokenizer);
  const config: Record<string, unknown> = {
    architectures: ['LlavaQwen2ForCausalLM'],
    model_type: 'llava_qwen2',
    ...qwen2,
    image_token_index: tokenIdOf(tokenizer, '<image>'),
    mm_hidden_size: dims.channels[2],
    mm_projector_type: 'mlp2x_gelu',
    mm_vision_tower: `mobileclip_l_${S}`,
    image_aspect_ratio: 'pad',
    torch_dtype: 'float32',
  };
  markExternalData(config, options.externalData);
  return {
    'config.json': config,
    'generation_config.json': { bos_token_id: qwen2.bos_token_id, eos_token_id: qwen2.eos_token_id },
    'preprocessor_config.json': {
      image_processor_type: 'CLIPImageProcessor',
      processor_class: 'LlavaProcessor',
      do_convert_rgb: true,
      do_resize: true,
      size: { shortest_edge: S },
      resample: 3,
      do_center_crop: true,
      crop_size: { height: S, width: S },
      do_rescale: true,
      rescale_factor: 1 / 255,
      do_normalize: true,
      image_mean: [0, 0, 0],
      image_std: [1, 1, 1],
    },
    'processor_config.json': {
      image_token: '<image>',
      num_additional_image_tokens: 0,
      patch_size: 64,
      processor_class: 'LlavaProcessor',
      vision_feature_select_strategy: 'full',
    },
    'chat_template.json': { chat_template: FASTVLM_CHAT_TEMPLATE },
    ...tokenizerJsonFiles(tokenizer),
  };
}

export async function generateFastVlm(ctx: GenerateContext): Promise<string[]> {
  const dims = fastVlmDims(ctx.size, { contextLength: ctx.contextLength });
  const tokenizer = fastVlmTokenizer(dims, ctx.seed);
  const silent = qwen2SilentIds(dims.text, tokenizer, dims.tokenizerVocab, SPECIALS);
  return writeModelFolder(ctx, fastVlmJsonFiles(dims, tokenizer, ctx), {
    vision_encoder: (nn) => buildFastVlmVision(nn, dims),
    embed_tokens: (nn) => buildEmbedTokens(nn, dims.text, TEXT_NAMES),
    decoder_model_merged: (nn) => buildLlamaDecoder(nn, dims.text, TEXT_NAMES, silent),
  });
}
