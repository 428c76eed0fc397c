/**
 * FastVLM (`llava_qwen2`) settings. Its processor is Python's LlavaProcessor over a CLIPImageProcessor — the
 * LLaVA-1.5 pipeline with FastVLM's numbers (1024-pixel resize and crop, mean 0 / std 1, patch_size 64 → 256
 * tokens) — so the LLaVA reader does the work once the FastVLM-specific keys are checked here.
 */
import { join } from 'node:path';
import type { ModelJson } from '../family.ts';
import { Source } from '../json-source.ts';
import { type LlavaConfig, readLlavaConfig } from '../llava/config.ts';

/** transformers' FastVLM conversion: an "effective patch size" of 2⁶, every row kept, nothing added. */
const HF_PROCESSOR_DEFAULTS = {
  image_token: '<image>',
  patch_size: 64,
  num_additional_image_tokens: 0,
  vision_feature_select_strategy: 'full',
};

export function readFastVlmConfig(json: ModelJson): LlavaConfig {
  const config = new Source(join(json.dir, 'config.json'), json.config);
  if (config.get('model_type') !== 'llava_qwen2') {
    return config.fail('model_type', '"llava_qwen2"', 'MODEL_UNSUPPORTED');
  }
  // apple's config.json has no vision_config and says nothing of the CLS row: FastViTHD has none, so nothing
  // is dropped ("full"); the token count comes from processor_config.json's patch_size (64 when absent).
  return readLlavaConfig({
    dir: json.dir,
    config: { ...json.config, model_type: 'llava', vision_feature_select_strategy: 'full' },
    preprocessorConfig: json.preprocessorConfig,
    processorConfig: { ...HF_PROCESSOR_DEFAULTS, ...json.processorConfig },
  });
}
