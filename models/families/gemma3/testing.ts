/** Test fixtures for the Gemma 3 family: google/gemma-3-4b-it's JSON (the keys Tessera reads, published values). */
import type { ModelJson } from '../family.ts';

type Json = Record<string, unknown>;

export function gemma3_4b(
  overrides: { config?: Json; preprocessor?: Json; processor?: Json | null } = {},
): ModelJson {
  return {
    dir: '/models/gemma-3-4b-it',
    config: {
      model_type: 'gemma3',
      boi_token_index: 255999,
      eoi_token_index: 256000,
      image_token_index: 262144,
      mm_tokens_per_image: 256,
      text_config: { model_type: 'gemma3_text', hidden_size: 2560, vocab_size: 262208 },
      vision_config: { model_type: 'siglip_vision_model', image_size: 896, patch_size: 14 },
      ...overrides.config,
    },
    preprocessorConfig: {
      do_convert_rgb: null,
      do_normalize: true,
      do_pan_and_scan: null,
      do_rescale: true,
      do_resize: true,
      image_mean: [0.5, 0.5, 0.5],
      image_processor_type: 'Gemma3ImageProcessor',
      image_seq_length: 256,
      image_std: [0.5, 0.5, 0.5],
      pan_and_scan_max_num_crops: null,
      pan_and_scan_min_crop_size: null,
      pan_and_scan_min_ratio_to_activate: null,
      processor_class: 'Gemma3Processor',
      resample: 2,
      rescale_factor: 0.00392156862745098,
      size: { height: 896, width: 896 },
      ...overrides.preprocessor,
    },
    processorConfig:
      overrides.processor === null
        ? null
        : { image_seq_length: 256, processor_class: 'Gemma3Processor', ...overrides.processor },
  };
}

export { maxAbsDiff } from '../../testing/tensors.ts';
