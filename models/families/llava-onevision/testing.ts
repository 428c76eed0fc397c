/** Test fixtures for LLaVA-OneVision: llava-hf/llava-onevision-qwen2-0.5b-ov-hf's JSON (the keys Tessera reads). */
import { AutoTokenizer } from '@huggingface/transformers';
import type { OracleRun } from '../../testing/oracle-suite.ts';
import {
  hfMessages,
  hfTensor,
  idsOf,
  localModel,
  referenceGreedy,
  tesseraInputs,
} from '../../testing/transformers-oracle.ts';
import type { ModelJson } from '../family.ts';

type Json = Record<string, unknown>;

/** {1…6} × side, squared: the 36 pinpoints llava-hf writes for 384. */
export function pinpointsOf(side: number): [number, number][] {
  const steps = [1, 2, 3, 4, 5, 6].map((k) => k * side);
  return steps.flatMap((h) => steps.map((w): [number, number] => [h, w]));
}

export function onevision05b(
  overrides: { config?: Json; preprocessor?: Json; processor?: Json | null } = {},
): ModelJson {
  return {
    dir: '/models/llava-onevision-qwen2-0.5b-ov-hf',
    config: {
      model_type: 'llava_onevision',
      image_token_index: 151646,
      video_token_index: 151647,
      image_grid_pinpoints: pinpointsOf(384),
      vision_aspect_ratio: 'anyres_max_9',
      vision_feature_layer: -1,
      vision_feature_select_strategy: 'full',
      vision_config: { model_type: 'siglip_vision_model', image_size: 384, patch_size: 14 },
      text_config: { model_type: 'qwen2', vocab_size: 152000 },
      ...overrides.config,
    },
    preprocessorConfig: {
      do_convert_rgb: true,
      do_normalize: true,
      do_pad: true,
      do_rescale: true,
      do_resize: true,
      image_grid_pinpoints: pinpointsOf(384),
      image_mean: [0.5, 0.5, 0.5],
      image_processor_type: 'LlavaOnevisionImageProcessor',
      image_std: [0.5, 0.5, 0.5],
      processor_class: 'LlavaOnevisionProcessor',
      resample: 3,
      rescale_factor: 0.00392156862745098,
      size: { height: 384, width: 384 },
      ...overrides.preprocessor,
    },
    processorConfig:
      overrides.processor === null
        ? null
        : {
            image_token: '<image>',
            num_image_tokens: 729,
            processor_class: 'LlavaOnevisionProcessor',
            video_token: '<video>',
            vision_feature_select_strategy: 'full',
            ...overrides.processor,
          },
  };
}

const tokenizers = new Map<string, ReturnType<typeof AutoTokenizer.from_pretrained>>();

/**
 * For the oracle suite: transformers.js has no OneVision processor, so its tokenizer stands in — its chat
 * template, each `<image>` expanded by the caller to its plan's count — and its greedy generate() runs on
 * Tessera's pixels.
 */
export const onevisionOracleRun: OracleRun = async ({ fx, oracle }, messages, images, options) => {
  let loading = tokenizers.get(fx.dir);
  if (!loading) {
    loading = AutoTokenizer.from_pretrained(localModel(fx.dir));
    tokenizers.set(fx.dir, loading);
  }
  const tokenizer = await loading;
  const ours = await tesseraInputs(fx.vlm, messages, images, options.detail);
  const prompt = tokenizer.apply_chat_template(hfMessages(messages) as never, {
    add_generation_prompt: true,
    tokenize: false,
  }) as string;
  let at = 0;
  const expanded = prompt.replace(/<image>/g, () => '<image>'.repeat(ours.plans[at++]?.imageTokens ?? 0));
  const inputs = tokenizer(expanded);
  const inputIds = idsOf(inputs.input_ids);
  const feeds = { ...inputs, pixel_values: hfTensor(ours.feeds[0]?.pixel_values) };
  const eos = fx.vlm.parts.text.eosTokenIds;
  const generated = await referenceGreedy(options.reference ?? oracle.model, feeds, inputIds.length, eos);
  return { prompt, inputs, inputIds, generated, ours };
};
