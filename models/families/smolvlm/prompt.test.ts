import { describe, expect, it } from 'vitest';
import { Idefics3ImageProcessor, Idefics3Processor, RawImage } from '@huggingface/transformers';
import { smolvlm } from './geometry.ts';
import { expandImagePrompt, promptTokenCount } from './prompt.ts';
import { idefics3, makeImage, smolvlm256m } from './testing.ts';

/**
 * transformers.js's Idefics3Processor with stand-ins: the image processor reports the given grid, the tokenizer
 * returns the prompt strings it receives. Its private get_image_prompt_string is what we compare against.
 */
async function transformersJsExpansion(
  text: string,
  rows: number,
  cols: number,
  seq: number,
): Promise<string> {
  const components = {
    image_processor: async () => ({ rows: [[rows]], cols: [[cols]] }),
    tokenizer: (prompts: string[]) => ({ prompts }),
  };
  const processor = new Idefics3Processor({ image_seq_len: seq }, components, null);
  const out = (await processor._call(text, new RawImage(new Uint8ClampedArray(3), 1, 1, 3))) as {
    prompts: string[];
  };
  return out.prompts[0] ?? '';
}

describe('expandImagePrompt', () => {
  it('single frame: fake, global-img, <image> × seq, fake', () => {
    expect(expandImagePrompt(0, 0, 2)).toBe(
      '<fake_token_around_image><global-img><image><image><fake_token_around_image>',
    );
  });

  it('split: row/col blocks, a newline after each row, then a newline and the global view', () => {
    expect(expandImagePrompt(2, 2, 1)).toBe(
      '<fake_token_around_image><row_1_col_1><image><fake_token_around_image><row_1_col_2><image>\n' +
        '<fake_token_around_image><row_2_col_1><image><fake_token_around_image><row_2_col_2><image>\n' +
        '\n<fake_token_around_image><global-img><image><fake_token_around_image>',
    );
  });

  const grids: [number, number, number][] = [
    [0, 0, 64],
    [1, 1, 64],
    [2, 4, 169],
    [3, 4, 64],
    [4, 1, 64],
    [4, 4, 81],
  ];
  it.each(grids)(
    'equals transformers.js Idefics3Processor for rows %i, cols %i, seq %i',
    async (rows, cols, seq) => {
      const text = 'User:<image>What is this?';
      const expected = await transformersJsExpansion(text, rows, cols, seq);
      expect(`User:${expandImagePrompt(rows, cols, seq)}What is this?`).toBe(expected);
    },
  );

  it('the bound family expands a real plan exactly as transformers.js does for the same image', async () => {
    const model = smolvlm.bind(idefics3());
    const image = await makeImage('gradient', 1280, 640);
    const plan = model.planImage(image, 'high');
    expect(plan.original).toEqual({ width: 1280, height: 640 }); // no pixels copied into the plan
    // The real image processor this time, so the grid comes from transformers.js's own geometry.
    const components = {
      image_processor: new Idefics3ImageProcessor(idefics3().preprocessorConfig),
      tokenizer: (prompts: string[]) => ({ prompts }),
    };
    const processor = new Idefics3Processor({ image_seq_len: 169 }, components, null);
    const raw = new RawImage(new Uint8ClampedArray(image.data), image.width, image.height, 3);
    const out = (await processor._call('<image>', raw)) as { prompts: string[] };
    expect(model.expandImage(plan)).toBe(out.prompts[0]);
  });
});

describe('promptTokenCount', () => {
  // Tokenizer-free model of SmolVLM's tokenizer on this text: each marker is one added token, and each run of
  // newlines is one token ("\n", or "\n\n" before the global view).
  const TOKEN = /<image>|<fake_token_around_image>|<global-img>|<row_\d+_col_\d+>|\n+/g;
  const countTokens = (text: string) => {
    const tokens = text.match(TOKEN) ?? [];
    expect(tokens.join('')).toBe(text); // nothing else in the text
    return tokens.length;
  };

  it.each([
    [0, 0, 64],
    [2, 4, 64],
    [3, 4, 2],
    [4, 4, 169],
  ])('counts rows %i, cols %i, seq %i like the expansion text', (rows, cols, seq) => {
    expect(promptTokenCount(rows, cols, seq)).toBe(countTokens(expandImagePrompt(rows, cols, seq)));
  });

  it('matches the id list Python test_processor_idefics3 expects for 3 × 4 tiles, seq 2', () => {
    // 12 × (fake, row_col, 2 × image), 2 "\n" between rows, one "\n\n", then fake, global, 2 × image, fake.
    expect(promptTokenCount(3, 4, 2)).toBe(12 * 4 + 2 + 1 + 5);
  });

  it('is what planImage reports', () => {
    const model = smolvlm.bind(smolvlm256m());
    const plan = model.planImage({ width: 1920, height: 1080 }, 'high');
    expect(plan.promptTokens).toBe(countTokens(model.expandImage(plan)));
  });
});
