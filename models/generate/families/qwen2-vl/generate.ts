/**
 * Writes a complete Qwen2-VL or Qwen2.5-VL model folder in the onnx-community layout: Qwen's JSON files (config
 * with a vision_config and mrope rope_scaling, Qwen2VLImageProcessor preprocessor_config, chat template), a
 * byte-level BPE tokenizer with Qwen's 14 special tokens after the byte-level vocabulary (ids 151643… in the
 * realistic size, as the real one), and the three ONNX graphs with seeded random weights.
 */
import { buildEmbedTokens } from '../../llama.ts';
import { writeModelFolder } from '../../folder.ts';
import { markExternalData, textSizeConfig, tokenizerJsonFiles } from '../../hf-config.ts';
import { silentTokenIds } from '../../silent-tokens.ts';
import { type TokenizerFiles, buildTokenizer, tokenIdOf } from '../../tokenizer.ts';
import type { FamilyGenerator, GenerateContext } from '../../types.ts';
import { buildQwenDecoder } from './generate-decoder.ts';
import { type QwenDims, type QwenVariant, qwenDims } from './generate-dims.ts';
import { buildQwenVisionEncoder } from './generate-vision.ts';

/** Qwen2's special tokens, in id order after the regular vocabulary. */
export const QWEN_SPECIALS = [
  '<|endoftext|>',
  '<|im_start|>',
  '<|im_end|>',
  '<|object_ref_start|>',
  '<|object_ref_end|>',
  '<|box_start|>',
  '<|box_end|>',
  '<|quad_start|>',
  '<|quad_end|>',
  '<|vision_start|>',
  '<|vision_end|>',
  '<|vision_pad|>',
  '<|image_pad|>',
  '<|video_pad|>',
] as const;

/** Weight names in Qwen2VLForConditionalGeneration (transformers ≥ 4.52). */
const TEXT_PREFIX = 'model.language_model';

/**
 * Qwen2-VL-Instruct's chat template, images and text in content order, with the default system message;
 * trimmed of the video and vision-id branches Tessera never uses.
 */
export const QWEN_CHAT_TEMPLATE =
  '{% for message in messages %}' +
  "{% if loop.first and message['role'] != 'system' %}{{ '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}{% endif %}" +
  "{{ '<|im_start|>' + message['role'] + '\\n' }}" +
  "{% if message['content'] is string %}{{ message['content'] + '<|im_end|>\\n' }}" +
  "{% else %}{% for content in message['content'] %}" +
  "{% if content['type'] == 'image' %}{{ '<|vision_start|><|image_pad|><|vision_end|>' }}" +
  "{% elif content['type'] == 'text' %}{{ content['text'] }}{% endif %}" +
  "{% endfor %}{{ '<|im_end|>\\n' }}{% endif %}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

export function qwenTokenizer(dims: QwenDims, seed: number): TokenizerFiles {
  const files = buildTokenizer({
    vocabSize: dims.tokenizerVocab,
    leadingSpecials: [],
    trailingSpecials: QWEN_SPECIALS,
    seed,
    bosToken: '<|endoftext|>',
    eosToken: '<|im_end|>',
    padToken: '<|endoftext|>',
    unkToken: '<|endoftext|>',
    chatTemplate: QWEN_CHAT_TEMPLATE,
    modelMaxLength: dims.text.maxPositions,
    extraConfig: { processor_class: 'Qwen2VLProcessor', tokenizer_class: 'Qwen2Tokenizer' },
  });
  // Qwen has no BOS or UNK token.
  Object.assign(files['tokenizer_config.json'], { bos_token: null, unk_token: null });
  Object.assign(files['special_tokens_map.json'], { bos_token: null, unk_token: null });
  return files;
}

export function qwenJsonFiles(
  dims: QwenDims,
  tokenizer: TokenizerFiles,
  options: { externalData: boolean },
): Record<string, unknown> {
  const id = (token: string): number => tokenIdOf(tokenizer, token);
  const { vision: v, text: t, variant } = dims;
  const text = {
    ...textSizeConfig(t),
    rope_theta: t.ropeTheta,
    rms_norm_eps: t.rmsNormEps,
    rope_scaling: { type: 'mrope', rope_type: 'default', mrope_section: [...t.mropeSection] },
    hidden_act: 'silu',
    tie_word_embeddings: false,
    use_sliding_window: false,
    bos_token_id: id('<|endoftext|>'),
    eos_token_id: id('<|im_end|>'),
  };
  const visionConfig =
    variant === 'qwen2_vl'
      ? {
          depth: v.layers,
          embed_dim: v.hidden,
          mlp_ratio: v.intermediate / v.hidden,
          num_heads: v.heads,
          hidden_act: 'quick_gelu',
          hidden_size: t.hidden, // the merger's output width
        }
      : {
          depth: v.layers,
          hidden_size: v.hidden,
          intermediate_size: v.intermediate,
          num_heads: v.heads,
          hidden_act: 'silu',
          out_hidden_size: t.hidden,
          window_size: 112,
          fullatt_block_indexes: Array.from({ length: v.layers }, (_, i) => i),
          tokens_per_second: 2,
        };
  const config: Record<string, unknown> = {
    architectures: [
      variant === 'qwen2_vl' ? 'Qwen2VLForConditionalGeneration' : 'Qwen2_5_VLForConditionalGeneration',
    ],
    model_type: variant,
    ...text,
    // Qwen2.5-VL's newer layout nests the language model (transformers.js reads it there).
    ...(variant === 'qwen2_5_vl' ? { text_config: { model_type: 'qwen2_5_vl_text', ...text } } : {}),
    vision_start_token_id: id('<|vision_start|>'),
    vision_end_token_id: id('<|vision_end|>'),
    vision_token_id: id('<|vision_pad|>'),
    image_token_id: id('<|image_pad|>'),
    video_token_id: id('<|video_pad|>'),
    torch_dtype: 'float32',
    vision_config: {
      ...visionConfig,
      in_chans: 3,
      patch_size: v.patchSize,
      spatial_merge_size: v.mergeSize,
      temporal_patch_size: v.temporalPatchSize,
    },
  };
  markExternalData(config, options.externalData);
  const eos = [id('<|im_end|>'), id('<|endoftext|>')];
  return {
    'config.json': config,
    'generation_config.json': { bos_token_id: id('<|endoftext|>'), eos_token_id: eos, pad_token_id: eos[1] },
    'preprocessor_config.json': {
      image_processor_type: 'Qwen2VLImageProcessor',
      processor_class: variant === 'qwen2_vl' ? 'Qwen2VLProcessor' : 'Qwen2_5_VLProcessor',
      do_convert_rgb: true,
      do_resize: true,
      do_rescale: true,
      rescale_factor: 1 / 255,
      do_normalize: true,
      image_mean: [0.48145466, 0.4578275, 0.40821073],
      image_std: [0.26862954, 0.26130258, 0.27577711],
      resample: 3,
      min_pixels: dims.minPixels,
      max_pixels: dims.maxPixels,
      patch_size: v.patchSize,
      merge_size: v.mergeSize,
      temporal_patch_size: v.temporalPatchSize,
    },
    'chat_template.json': { chat_template: QWEN_CHAT_TEMPLATE },
    ...tokenizerJsonFiles(tokenizer),
  };
}

/** Tokens greedy decoding should never pick: the specials, and the padded vocabulary rows no token has. */
export function qwenSilentIds(dims: QwenDims, tokenizer: TokenizerFiles): number[] {
  return silentTokenIds(tokenizer, QWEN_SPECIALS, dims.text.vocabSize, dims.tokenizerVocab);
}

function qwenGenerator(variant: QwenVariant): FamilyGenerator {
  return async (ctx: GenerateContext) => {
    const dims = qwenDims(variant, ctx.size, { contextLength: ctx.contextLength });
    const tokenizer = qwenTokenizer(dims, ctx.seed);
    const silentIds = qwenSilentIds(dims, tokenizer);
    const names = { prefix: TEXT_PREFIX, lmHead: 'lm_head' };
    return writeModelFolder(ctx, qwenJsonFiles(dims, tokenizer, ctx), {
      vision_encoder: (nn) =>
        buildQwenVisionEncoder(nn, dims, variant === 'qwen2_vl' ? 'grid_thw' : 'image_grid_thw'),
      embed_tokens: (nn) => buildEmbedTokens(nn, dims.text, names),
      decoder_model_merged: (nn) => buildQwenDecoder(nn, dims.text, names.prefix, names.lmHead, silentIds),
    });
  };
}

export const generateQwen2Vl = qwenGenerator('qwen2_vl');
export const generateQwen25Vl = qwenGenerator('qwen2_5_vl');
