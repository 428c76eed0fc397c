/**
 * Writes a complete Phi-3.5-vision model folder in the onnx-community layout: the JSON files (config.json with
 * Phi-3's top-level text keys, img_processor and embd_layer; Phi3VImageProcessor's preprocessor_config; the chat
 * template), a byte-level BPE tokenizer with Phi-3's special tokens and `<|image|>`, and the three graphs
 * transformers.js's Phi3VForCausalLM runs — vision_encoder, prepare_inputs_embeds, model — with seeded weights.
 */
import { type LlamaNames, buildLlamaDecoder } from '../../llama.ts';
import type { Layers } from '../../nn.ts';
import { writeModelFolder } from '../../folder.ts';
import { markExternalData, textSizeConfig, tokenizerJsonFiles } from '../../hf-config.ts';
import { silentTokenIds } from '../../silent-tokens.ts';
import { int } from '../../../runtime/graph-builder.ts';
import { type TokenizerFiles, buildTokenizer, tokenIdOf } from '../../tokenizer.ts';
import type { GenerateContext } from '../../types.ts';
import { type Phi3vDims, phi3vDims } from './generate-dims.ts';
import { buildPhi3vVisionEncoder } from './generate-vision.ts';

export const PHI3V_LEADING_SPECIALS = ['<unk>', '<s>', '</s>'] as const;
/** Phi-3's chat markers and the image token, after the ordinary tokens. */
export const PHI3V_TRAILING_SPECIALS = [
  '<|endoftext|>',
  '<|assistant|>',
  '<|system|>',
  '<|end|>',
  '<|user|>',
  '<|image|>',
] as const;

/**
 * Phi-3.5-vision-instruct's chat template (`<|role|>\n…<|end|>\n`, `<|assistant|>\n` to answer) with two
 * additions: a branch for content lists, which writes `<|image|>\n` for each image (the token the processors
 * expand), and `{{ bos_token }}` in front: the real SentencePiece tokenizer prepends `<s>`, this byte-level one adds
 * nothing, so the template writes it and the model sees the sequence a real Phi-3.5-vision sees.
 */
export const PHI3V_CHAT_TEMPLATE =
  '{{ bos_token }}{% for message in messages %}' +
  "{{ '<|' + message['role'] + '|>\\n' }}" +
  "{% if message['content'] is string %}{{ message['content'] }}{% else %}" +
  "{% for content in message['content'] %}{% if content['type'] == 'image' %}{{ '<|image|>\\n' }}" +
  "{% elif content['type'] == 'text' %}{{ content['text'] }}{% endif %}{% endfor %}{% endif %}" +
  "{{ '<|end|>\\n' }}{% endfor %}" +
  "{% if add_generation_prompt and messages[-1]['role'] != 'assistant' %}{{ '<|assistant|>\\n' }}{% endif %}";

/** Phi3ForCausalLM's weight names. */
const TEXT_NAMES: LlamaNames = { prefix: 'model', lmHead: 'lm_head' };

export function phi3vTokenizer(dims: Phi3vDims, seed: number): TokenizerFiles {
  return buildTokenizer({
    vocabSize: dims.tokenizerVocab,
    leadingSpecials: PHI3V_LEADING_SPECIALS,
    trailingSpecials: PHI3V_TRAILING_SPECIALS,
    seed,
    bosToken: '<s>',
    eosToken: '<|endoftext|>',
    padToken: '<|endoftext|>',
    unkToken: '<unk>',
    chatTemplate: PHI3V_CHAT_TEMPLATE,
    modelMaxLength: dims.text.maxPositions,
    extraConfig: { processor_class: 'Phi3VProcessor', legacy: false },
  });
}

export function phi3vJsonFiles(
  dims: Phi3vDims,
  tokenizer: TokenizerFiles,
  options: { externalData: boolean },
): Record<string, unknown> {
  const id = (token: string): number => tokenIdOf(tokenizer, token);
  const { vision: v, text: t } = dims;
  const eos = [id('<|end|>'), id('<|endoftext|>')];
  const tokensPerCrop = dims.mergedGrid * dims.mergedGrid;
  const config: Record<string, unknown> = {
    architectures: ['Phi3VForCausalLM'],
    model_type: 'phi3_v',
    ...textSizeConfig(t),
    original_max_position_embeddings: Math.min(4096, t.maxPositions),
    rope_theta: t.ropeTheta,
    rms_norm_eps: t.rmsNormEps,
    hidden_act: 'silu',
    bos_token_id: id('<s>'),
    eos_token_id: id('<|endoftext|>'),
    pad_token_id: id('<|endoftext|>'),
    tie_word_embeddings: false,
    torch_dtype: 'float32',
    embd_layer: {
      embedding_cls: 'image',
      hd_transform_order: 'sub_glb',
      projection_cls: 'mlp',
      use_hd_transform: true,
      with_learnable_separator: true,
    },
    img_processor: {
      image_dim_out: v.hidden,
      model_name: 'openai/clip-vit-large-patch14-336',
      name: 'clip_vision_model',
      num_img_tokens: tokensPerCrop,
    },
  };
  markExternalData(config, options.externalData);
  return {
    'config.json': config,
    'generation_config.json': {
      bos_token_id: id('<s>'),
      eos_token_id: eos,
      pad_token_id: id('<|endoftext|>'),
    },
    'preprocessor_config.json': {
      image_processor_type: 'Phi3VImageProcessor',
      processor_class: 'Phi3VProcessor',
      do_convert_rgb: true,
      image_mean: [0.48145466, 0.4578275, 0.40821073],
      image_std: [0.26862954, 0.26130258, 0.27577711],
      num_crops: dims.numCrops,
      num_img_tokens: tokensPerCrop,
    },
    'chat_template.json': { chat_template: PHI3V_CHAT_TEMPLATE },
    ...tokenizerJsonFiles(tokenizer),
  };
}

/**
 * `prepare_inputs_embeds`: token embeddings of input_ids, and the rows of `image_features`, in order, at the
 * positions whose id is negative (the processor negates image tokens). Ids are clamped at 0 for the lookup.
 */
export function buildPrepareInputsEmbeds(nn: Layers, dims: Phi3vDims): void {
  const g = nn.g;
  const { hidden, vocabSize } = dims.text;
  const ids = g.input('input_ids', 'int64', ['batch_size', 'sequence_length']);
  const features = g.input('image_features', 'float32', ['num_image_tokens', hidden]);
  const flat = g.op('Reshape', [ids, g.i64([-1])]);
  const table = nn.normal('model.embed_tokens.weight', [vocabSize, hidden], 1);
  const embeds = g.op('Gather', [table, g.op('Max', [flat, g.constant('int64', [], [0])])], { axis: int(0) });
  const imageRows = g.op('Transpose', [
    g.op('NonZero', [g.op('Less', [flat, g.constant('int64', [], [0])])]),
  ]);
  const scattered = g.op('ScatterND', [embeds, imageRows, features]);
  const shape = g.op('Concat', [g.op('Shape', [ids]), g.i64([hidden])], { axis: int(0) });
  g.op('Reshape', [scattered, shape], undefined, 'inputs_embeds');
  g.output('inputs_embeds', 'float32', ['batch_size', 'sequence_length', hidden]);
}

/** Tokens greedy decoding should never pick: the specials, and the padded vocabulary rows no token has. */
export function phi3vSilentIds(dims: Phi3vDims, tokenizer: TokenizerFiles): number[] {
  const specials = [...PHI3V_LEADING_SPECIALS, ...PHI3V_TRAILING_SPECIALS];
  return silentTokenIds(tokenizer, specials, dims.text.vocabSize, dims.tokenizerVocab);
}

export async function generatePhi3v(ctx: GenerateContext): Promise<string[]> {
  const dims = phi3vDims(ctx.size, { contextLength: ctx.contextLength });
  const tokenizer = phi3vTokenizer(dims, ctx.seed);
  const silentIds = phi3vSilentIds(dims, tokenizer);
  return writeModelFolder(ctx, phi3vJsonFiles(dims, tokenizer, ctx), {
    vision_encoder: (nn) => buildPhi3vVisionEncoder(nn, dims),
    prepare_inputs_embeds: (nn) => buildPrepareInputsEmbeds(nn, dims),
    model: (nn) => buildLlamaDecoder(nn, dims.text, TEXT_NAMES, silentIds),
  });
}
