/**
 * Pieces of the Hugging Face JSON files several generated families write the same way. Each returns its keys
 * in the order the families wrote them inline, so the files keep their exact bytes.
 */
import type { LlamaDims } from './llama.ts';
import type { TokenizerFiles } from './tokenizer.ts';
import type { VitTowerDims } from './vit.ts';

/** The three tokenizer files of a model folder, by name. */
export function tokenizerJsonFiles(tokenizer: TokenizerFiles): Record<string, unknown> {
  return {
    'tokenizer.json': tokenizer['tokenizer.json'],
    'tokenizer_config.json': tokenizer['tokenizer_config.json'],
    'special_tokens_map.json': tokenizer['special_tokens_map.json'],
  };
}

/** transformers.js only looks for `<graph>.onnx_data` files when config.json tells it to. */
export function markExternalData(config: Record<string, unknown>, externalData: boolean): void {
  if (externalData) config['transformers.js_config'] = { use_external_data_format: true };
}

/** The size keys of a ViT tower's `vision_config`, from hidden_size to patch_size. */
export function vitSizeConfig(v: VitTowerDims): Record<string, unknown> {
  return {
    hidden_size: v.hidden,
    intermediate_size: v.intermediate,
    num_hidden_layers: v.layers,
    num_attention_heads: v.heads,
    num_channels: 3,
    image_size: v.imageSize,
    patch_size: v.patchSize,
  };
}

/** A CLIP or SigLIP `vision_config`. */
export function vitVisionConfig(
  modelType: string,
  v: VitTowerDims,
  hiddenAct: string,
): Record<string, unknown> {
  return {
    model_type: modelType,
    ...vitSizeConfig(v),
    hidden_act: hiddenAct,
    layer_norm_eps: v.layerNormEps,
  };
}

/** A SigLIP tower read without its pooling head, as the LLaVA-style families use it. */
export function siglipVisionConfig(v: VitTowerDims): Record<string, unknown> {
  return { ...vitVisionConfig('siglip_vision_model', v, 'gelu_pytorch_tanh'), vision_use_head: false };
}

type TextLayerDims = Pick<LlamaDims, 'hidden' | 'intermediate' | 'layers' | 'heads' | 'kvHeads'>;

/** The layer-shape keys every Llama-like text config starts with. */
export function textLayerConfig(t: TextLayerDims): Record<string, unknown> {
  return {
    hidden_size: t.hidden,
    intermediate_size: t.intermediate,
    num_hidden_layers: t.layers,
    num_attention_heads: t.heads,
    num_key_value_heads: t.kvHeads,
  };
}

/** The layer shape, then vocabulary and positions (no head_dim: Qwen2 and Phi-3 derive it). */
export function textSizeConfig(
  t: TextLayerDims & Pick<LlamaDims, 'vocabSize' | 'maxPositions'>,
): Record<string, unknown> {
  return {
    ...textLayerConfig(t),
    vocab_size: t.vocabSize,
    max_position_embeddings: t.maxPositions,
  };
}

/** A LlamaConfig `text_config` (no biases, untied lm_head) with the tokenizer's bos/eos/pad ids. */
export function llamaTextConfig(
  t: LlamaDims,
  architecture: string,
  ids: { bos: number; eos: number; pad: number },
): Record<string, unknown> {
  return {
    model_type: 'llama',
    architectures: [architecture],
    ...textLayerConfig(t),
    head_dim: t.headDim,
    vocab_size: t.vocabSize,
    max_position_embeddings: t.maxPositions,
    rope_theta: t.ropeTheta,
    rms_norm_eps: t.rmsNormEps,
    hidden_act: 'silu',
    attention_bias: false,
    mlp_bias: false,
    tie_word_embeddings: false,
    bos_token_id: ids.bos,
    eos_token_id: ids.eos,
    pad_token_id: ids.pad,
  };
}
