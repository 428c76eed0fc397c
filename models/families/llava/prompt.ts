/** What one image placeholder becomes in the prompt: Python's LlavaProcessor repeats it, nothing around it. */

export const DEFAULT_IMAGE_TOKEN = '<image>';

export function expandImagePrompt(imageToken: string, imageTokens: number): string {
  return imageToken.repeat(imageTokens);
}
