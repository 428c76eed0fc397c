/**
 * What one `<start_of_image>` becomes in the prompt, as Python's Gemma3Processor writes it: each view is
 * "\n\n<start_of_image>" + soft tokens + "<end_of_image>\n\n"; with pan-and-scan crops the placeholder first
 * becomes "Here is the original image <boi> and here are some crops to help you see better <boi> <boi> …".
 */
import { BOI_TOKEN, EOI_TOKEN, IMAGE_TOKEN } from './config.ts';

export function fullImageSequence(tokensPerView: number): string {
  return `\n\n${BOI_TOKEN}${IMAGE_TOKEN.repeat(tokensPerView)}${EOI_TOKEN}\n\n`;
}

/** `crops`: the pan-and-scan crops after the whole image (0 for a single view). */
export function expandImagePrompt(tokensPerView: number, crops: number): string {
  const view = fullImageSequence(tokensPerView);
  if (crops === 0) return view;
  return (
    `Here is the original image ${view} and here are some crops to help you see better ` +
    Array.from({ length: crops }, () => view).join(' ')
  );
}
