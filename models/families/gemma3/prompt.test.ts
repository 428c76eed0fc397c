import { describe, expect, it } from 'vitest';
import { gemma3Engine } from './engine.ts';
import { expandImagePrompt, fullImageSequence } from './prompt.ts';
import { gemma3_4b } from './testing.ts';

const soft = (n: number) => '<image_soft_token>'.repeat(n);

describe('Gemma 3 prompt expansion (Python Gemma3Processor)', () => {
  it('full_image_sequence: "\\n\\n<start_of_image>" + soft tokens + "<end_of_image>\\n\\n"', () => {
    expect(fullImageSequence(3)).toBe(`\n\n<start_of_image>${soft(3)}<end_of_image>\n\n`);
    expect(expandImagePrompt(3, 0)).toBe(fullImageSequence(3));
  });

  it('pan-and-scan: the original image, then the crops joined by spaces, each its own sequence', () => {
    const view = fullImageSequence(2);
    expect(expandImagePrompt(2, 2)).toBe(
      `Here is the original image ${view} and here are some crops to help you see better ${view} ${view}`,
    );
  });

  it('the bound family expands a plan: 256 soft tokens per view of gemma-3-4b-it', () => {
    const family = gemma3Engine.bind(gemma3_4b());
    const single = family.expandImage(family.planImage({ width: 1800, height: 600 }, 'low'));
    expect(single).toBe(fullImageSequence(256));
    const crops = family.expandImage(family.planImage({ width: 1800, height: 600 }, 'high'));
    expect(crops.split('<image_soft_token>').length - 1).toBe(4 * 256);
    expect(crops.split('<start_of_image>').length - 1).toBe(4);
    expect(crops.startsWith('Here is the original image \n\n<start_of_image>')).toBe(true);
  });

  it('positions start at 1 (transformers.js feeds gemma3 1-based position_ids)', () => {
    const family = gemma3Engine.bind(gemma3_4b());
    const ids = family.positionIds?.([5, 6, 7, 8], [], 2, 2);
    expect(ids).toEqual({ type: 'int64', dims: [1, 2], data: BigInt64Array.of(3n, 4n) });
  });
});
