/** FastVLM's processor settings and plans: transformers' conversion pins 1024 px, mean 0 / std 1, 256 tokens. */
import { describe, expect, it } from 'vitest';
import { isTesseraError } from '../../errors.ts';
import { readFastVlmConfig } from './config.ts';
import { fastVlm } from './geometry.ts';
import { fastVlm05b } from './testing.ts';

describe('FastVLM configuration and plan', () => {
  it('reads FastVLM-0.5B: 1024-pixel bicubic resize and crop, values in [0, 1], 256 tokens of id 151646', () => {
    expect(readFastVlmConfig(fastVlm05b())).toMatchObject({
      imageTokenId: 151646,
      imageToken: '<image>',
      resize: { shortestEdge: 1024 },
      crop: { width: 1024, height: 1024 },
      kernel: 'cubic',
      imageMean: [0, 0, 0],
      imageStd: [1, 1, 1],
      imageTokens: 256,
    });
    // Without processor_config.json: the conversion's patch_size 64, nothing added or dropped.
    expect(readFastVlmConfig(fastVlm05b({ processor: null })).imageTokens).toBe(256);
  });

  it('plans one 1024 view whatever the detail; 640×480 resizes to 1365×1024 and crops the middle', () => {
    const model = fastVlm.bind(fastVlm05b());
    const high = model.planImage({ width: 640, height: 480 }, 'high');
    expect(high).toMatchObject({
      family: 'fastvlm',
      resized: { width: 1365, height: 1024 },
      grid: { rows: 1, cols: 1, unit: 'tiles' },
      global: null,
      imageTokens: 256,
      promptTokens: 256,
    });
    // Crop x 170…1194 of 1365: x 79.7…559.8 of the original, rounded outward.
    expect(high.tiles).toEqual([
      { x: 79, y: 0, width: 481, height: 480, inputWidth: 1024, inputHeight: 1024, tokens: 256 },
    ]);
    expect(model.planImage({ width: 640, height: 480 }, 'low').imageTokens).toBe(256);
    expect(model.expandImage(high)).toBe('<image>'.repeat(256));
    // §12 sizes: white 224×224 and gradient 1280×640 are one 1024 view of 256 tokens too.
    for (const size of [
      { width: 224, height: 224 },
      { width: 1280, height: 640 },
    ]) {
      expect(model.planImage(size, 'high').imageTokens).toBe(256);
    }
  });

  it('names the file and key of what is wrong', () => {
    const fails = (json: ReturnType<typeof fastVlm05b>, ...parts: string[]) => {
      try {
        readFastVlmConfig(json);
        expect.unreachable();
      } catch (error) {
        expect(isTesseraError(error), String(error)).toBe(true);
        for (const part of parts) expect(String(error)).toContain(part);
      }
    };
    fails(
      fastVlm05b({ config: { model_type: 'llava' } }),
      '/models/FastVLM-0.5B-ONNX/config.json',
      '"llava_qwen2"',
    );
    fails(fastVlm05b({ config: { image_token_index: undefined } }), 'config.json', '"image_token_id"');
    fails(fastVlm05b({ processor: { patch_size: 2048 } }), 'give 0 image tokens');
    fails(fastVlm05b({ preprocessor: { resample: 4 } }), 'preprocessor_config.json', '"resample"');
  });
});
