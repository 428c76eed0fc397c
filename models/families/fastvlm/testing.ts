/** Test fixtures for FastVLM: onnx-community/FastVLM-0.5B-ONNX's JSON (the keys Tessera reads). */
import type { ModelJson } from '../family.ts';

type Json = Record<string, unknown>;

export function fastVlm05b(
  overrides: { config?: Json; preprocessor?: Json; processor?: Json | null } = {},
): ModelJson {
  return {
    dir: '/models/FastVLM-0.5B-ONNX',
    config: {
      model_type: 'llava_qwen2',
      image_token_index: 151646,
      hidden_size: 896,
      mm_hidden_size: 3072,
      mm_vision_tower: 'mobileclip_l_1024',
      vocab_size: 151936,
      ...overrides.config,
    },
    preprocessorConfig: {
      crop_size: { height: 1024, width: 1024 },
      do_center_crop: true,
      do_convert_rgb: true,
      do_normalize: true,
      do_rescale: true,
      do_resize: true,
      image_mean: [0, 0, 0],
      image_processor_type: 'CLIPImageProcessor',
      image_std: [1, 1, 1],
      resample: 3,
      rescale_factor: 0.00392156862745098,
      size: { shortest_edge: 1024 },
      ...overrides.preprocessor,
    },
    processorConfig:
      overrides.processor === null
        ? null
        : {
            image_token: '<image>',
            num_additional_image_tokens: 0,
            patch_size: 64,
            processor_class: 'LlavaProcessor',
            vision_feature_select_strategy: 'full',
            ...overrides.processor,
          },
  };
}
