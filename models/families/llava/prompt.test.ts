import { LlavaProcessor, RawImage } from '@huggingface/transformers';
import { describe, expect, it } from 'vitest';
import { llava } from './geometry.ts';
import { expandImagePrompt } from './prompt.ts';
import { llava15 } from './testing.ts';

/**
 * transformers.js's LlavaProcessor with stand-ins: the image processor returns 336×336 pixel_values, the tokenizer
 * returns the prompt strings it receives — the expanded text is what we compare.
 */
async function transformersJsExpansion(text: string, config: Record<string, unknown>): Promise<string> {
  const components = {
    image_processor: async () => ({ pixel_values: { dims: [1, 3, 336, 336] } }),
    tokenizer: (prompts: string[]) => ({ prompts }),
  };
  const processor = new LlavaProcessor(config, components, null);
  const out = (await processor._call(new RawImage(new Uint8ClampedArray(3), 1, 1, 3), text)) as {
    prompts: string[];
  };
  return out.prompts[0] ?? '';
}

const count = (text: string) => text.split('<image>').length - 1;
const PROMPT = 'USER: <image>\nWhat is shown? ASSISTANT:';

describe('LLaVA prompt expansion', () => {
  it('<image> becomes <image> × 576 for llava-1.5, with nothing around it', () => {
    const model = llava.bind(llava15());
    const plan = model.planImage({ width: 640, height: 480 }, 'high');
    expect(model.expandImage(plan)).toBe('<image>'.repeat(576));
    expect(expandImagePrompt('<im>', 2)).toBe('<im><im>');
  });

  it('uses processor_config image_token as the placeholder', () => {
    const model = llava.bind(llava15({ processor: { image_token: '<img>' } }));
    expect(model.imagePlaceholder).toBe('<img>');
    expect(model.expandImage(model.planImage({ width: 10, height: 10 }, 'low'))).toBe('<img>'.repeat(576));
  });

  it("transformers.js departs from Python for llava-hf's processor_config: 577 tokens, Tessera 576", async () => {
    // llava-hf: num_additional_image_tokens 1, strategy "default". Python: 24·24 + 1 − 1; transformers.js: + 1 only.
    const hf = llava15().processorConfig as Record<string, unknown>;
    const expanded = await transformersJsExpansion(PROMPT, hf);
    expect(count(expanded)).toBe(577);
    expect(llava.bind(llava15()).planImage({ width: 336, height: 336 }, 'high').imageTokens).toBe(576);
  });

  it('the generated models\' processor_config (0, "full") gives 576 in transformers.js and Python alike', async () => {
    const generated = {
      image_token: '<image>',
      num_additional_image_tokens: 0,
      patch_size: 14,
      vision_feature_select_strategy: 'full',
    };
    expect(count(await transformersJsExpansion(PROMPT, generated))).toBe(576);
    expect(
      llava.bind(llava15({ processor: generated })).planImage({ width: 336, height: 336 }, 'high')
        .imageTokens,
    ).toBe(576);
    const expanded = await transformersJsExpansion(PROMPT, generated);
    expect(expanded).toBe(PROMPT.replace('<image>', '<image>'.repeat(576)));
  });

  it('transformers.js expands only the first <image> of a prompt (Python and Tessera expand each one)', async () => {
    const generated = {
      image_token: '<image>',
      num_additional_image_tokens: 0,
      patch_size: 14,
      vision_feature_select_strategy: 'full',
    };
    expect(
      count(await transformersJsExpansion('USER: <image>\n<image>\nCompare. ASSISTANT:', generated)),
    ).toBe(577);
  });
});
