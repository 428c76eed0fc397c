/**
 * What one image placeholder becomes in the prompt: `<|image|>` once per feature row, nothing around it, as
 * transformers.js's Phi3VProcessor writes before tokenizing (the numbered `<|image_1|>` the model card shows is
 * only the user's way of placing the image; the template Tessera renders writes `<|image|>` directly).
 */
import { IMAGE_TOKEN } from './config.ts';

export function expandImagePrompt(imageTokens: number): string {
  return IMAGE_TOKEN.repeat(imageTokens);
}
