/**
 * Writes a complete LFM2-VL model folder in the onnx-community layout: LiquidAI's JSON files (config with a
 * SigLIP2 vision_config and an LFM2 text_config whose layer_types mix conv and attention layers,
 * Lfm2VlImageProcessor preprocessor_config, Lfm2VlProcessor processor_config, a ChatML chat template), a byte-level
 * BPE tokenizer with LFM2's special tokens and the image markers, and the three ONNX graphs with seeded weights.
 */
import { buildEmbedTokens } from '../../llama.ts';
import { writeModelFolder } from '../../folder.ts';
import { markExternalData, tokenizerJsonFiles } from '../../hf-config.ts';
import { silentTokenIds } from '../../silent-tokens.ts';
import { type TokenizerFiles, buildTokenizer, tokenIdOf } from '../../tokenizer.ts';
import type { GenerateContext } from '../../types.ts';
import { TEXT_PREFIX, buildLfm2Decoder } from './generate-decoder.ts';
import { type Lfm2VlDims, lfm2VlDims } from './generate-dims.ts';
import { buildVisionEncoder } from './generate-vision.ts';

/** LFM2's chat specials, then the image markers LFM2-VL adds. */
const CHAT_SPECIALS = ['<|pad|>', '<|startoftext|>', '<|endoftext|>', '<|im_start|>', '<|im_end|>'] as const;
const IMAGE_SPECIALS = ['<image>', '<|image_start|>', '<|image_end|>', '<|img_thumbnail|>'] as const;

/** `<|img_row_r_col_c|>` for every tile position of every grid with at most `maxTiles` tiles. */
export function tileMarkers(maxTiles: number): string[] {
  const markers: string[] = [];
  for (let r = 1; r <= maxTiles; r++)
    for (let c = 1; r * c <= maxTiles; c++) markers.push(`<|img_row_${r}_col_${c}|>`);
  return markers;
}

/** LFM2-VL's ChatML template: BOS, then `<|im_start|>role\n…<|im_end|>\n` with `<image>` where an image goes. */
export const LFM2_VL_CHAT_TEMPLATE =
  '{{ bos_token }}{% for message in messages %}' +
  "{{ '<|im_start|>' + message['role'] + '\\n' }}" +
  "{% if message['content'] is string %}{{ message['content'] }}{% else %}" +
  "{% for content in message['content'] %}{% if content['type'] == 'image' %}{{ '<image>' }}" +
  "{% elif content['type'] == 'text' %}{{ content['text'] }}{% endif %}{% endfor %}{% endif %}" +
  "{{ '<|im_end|>\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

export function lfm2VlTokenizer(dims: Lfm2VlDims, seed: number): TokenizerFiles {
  return buildTokenizer({
    vocabSize: dims.tokenizerVocab,
    leadingSpecials: [...CHAT_SPECIALS, ...IMAGE_SPECIALS, ...tileMarkers(dims.geometry.maxTiles)],
    trailingSpecials: [],
    seed,
    bosToken: '<|startoftext|>',
    eosToken: '<|im_end|>',
    padToken: '<|pad|>',
    unkToken: '<|endoftext|>',
    chatTemplate: LFM2_VL_CHAT_TEMPLATE,
    modelMaxLength: dims.text.maxPositions,
    extraConfig: { processor_class: 'Lfm2VlProcessor' },
  });
}

export function lfm2VlJsonFiles(
  dims: Lfm2VlDims,
  tokenizer: TokenizerFiles,
  options: { externalData: boolean },
): Record<string, unknown> {
  const id = (token: string): number => tokenIdOf(tokenizer, token);
  const bos = id('<|startoftext|>');
  const eos = id('<|im_end|>');
  const pad = id('<|pad|>');
  const { vision: v, text: t, geometry } = dims;
  const config: Record<string, unknown> = {
    architectures: ['Lfm2VlForConditionalGeneration'],
    model_type: 'lfm2_vl',
    image_token_id: id('<image>'),
    downsample_factor: geometry.downsampleFactor,
    projector_hidden_size: dims.projectorHidden,
    projector_hidden_act: 'gelu',
    projector_bias: true,
    vision_feature_layer: -1,
    tie_word_embeddings: false,
    torch_dtype: 'float32',
    text_config: {
      model_type: 'lfm2',
      architectures: ['Lfm2ForCausalLM'],
      hidden_size: t.hidden,
      intermediate_size: t.intermediate,
      block_auto_adjust_ff_dim: false,
      num_hidden_layers: t.layerTypes.length,
      layer_types: t.layerTypes,
      full_attn_idxs: t.layerTypes.flatMap((type, i) => (type === 'full_attention' ? [i] : [])),
      num_attention_heads: t.heads,
      num_key_value_heads: t.kvHeads,
      head_dim: t.headDim,
      conv_L_cache: t.convCache,
      conv_bias: false,
      vocab_size: t.vocabSize,
      max_position_embeddings: t.maxPositions,
      rope_theta: t.ropeTheta,
      norm_eps: t.normEps,
      tie_word_embeddings: false,
      bos_token_id: bos,
      eos_token_id: eos,
      pad_token_id: pad,
    },
    vision_config: {
      model_type: 'siglip2_vision_model',
      hidden_size: v.hidden,
      intermediate_size: v.intermediate,
      num_hidden_layers: v.layers,
      num_attention_heads: v.heads,
      num_channels: 3,
      patch_size: v.patchSize,
      num_patches: v.positionSide ** 2,
      hidden_act: 'gelu_pytorch_tanh',
      layer_norm_eps: v.layerNormEps,
      vision_use_head: false,
    },
  };
  markExternalData(config, options.externalData);
  return {
    'config.json': config,
    'generation_config.json': { bos_token_id: bos, eos_token_id: eos, pad_token_id: pad },
    'preprocessor_config.json': {
      image_processor_type: 'Lfm2VlImageProcessor',
      processor_class: 'Lfm2VlProcessor',
      do_convert_rgb: true,
      do_rescale: true,
      rescale_factor: 1 / 255,
      do_normalize: true,
      image_mean: [0.5, 0.5, 0.5],
      image_std: [0.5, 0.5, 0.5],
      resample: 2,
      do_image_splitting: true,
      downsample_factor: geometry.downsampleFactor,
      encoder_patch_size: v.patchSize,
      tile_size: geometry.tileSize,
      min_tiles: geometry.minTiles,
      max_tiles: geometry.maxTiles,
      min_image_tokens: geometry.minImageTokens,
      max_image_tokens: geometry.maxImageTokens,
      use_thumbnail: true,
      max_pixels_tolerance: 2.0,
      max_num_patches: geometry.maxNumPatches,
    },
    'processor_config.json': { processor_class: 'Lfm2VlProcessor', image_token: '<image>' },
    'chat_template.json': { chat_template: LFM2_VL_CHAT_TEMPLATE },
    ...tokenizerJsonFiles(tokenizer),
  };
}

/** Tokens greedy decoding should never pick: the specials, and the padded vocabulary rows no token has. */
export function lfm2VlSilentIds(dims: Lfm2VlDims, tokenizer: TokenizerFiles): number[] {
  const specials = [...CHAT_SPECIALS, ...IMAGE_SPECIALS, ...tileMarkers(dims.geometry.maxTiles)];
  return silentTokenIds(tokenizer, specials, dims.text.vocabSize, dims.tokenizerVocab);
}

export async function generateLfm2Vl(ctx: GenerateContext): Promise<string[]> {
  const dims = lfm2VlDims(ctx.size, { contextLength: ctx.contextLength });
  const tokenizer = lfm2VlTokenizer(dims, ctx.seed);
  const silentIds = lfm2VlSilentIds(dims, tokenizer);
  const embedDims = { ...dims.text, layers: dims.text.layerTypes.length, rmsNormEps: dims.text.normEps };
  return writeModelFolder(ctx, lfm2VlJsonFiles(dims, tokenizer, ctx), {
    vision_encoder: (nn) => buildVisionEncoder(nn, dims),
    embed_tokens: (nn) => buildEmbedTokens(nn, embedDims, { prefix: TEXT_PREFIX, lmHead: 'lm_head' }),
    decoder_model_merged: (nn) => buildLfm2Decoder(nn, dims.text, silentIds),
  });
}
