/**
 * What one image placeholder becomes in the prompt: the chat template writes
 * `<|vision_start|><|image_pad|><|vision_end|>`, and Python's Qwen2VLProcessor repeats the `<|image_pad|>` once
 * per merged patch (grid_t · grid_h · grid_w / merge²).
 */

export const IMAGE_PAD = '<|image_pad|>';

export function expandImagePrompt(imageTokens: number): string {
  return IMAGE_PAD.repeat(imageTokens);
}
