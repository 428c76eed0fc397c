import { describe, expect, it } from 'vitest';
import { tesseraFailure } from '../../testing/errors.ts';
import { readQwenConfig } from './config.ts';
import { qwen2VlEngine } from './engine.ts';
import { qwen2Vl2b } from './testing.ts';

describe('readQwenConfig', () => {
  it("reads Qwen2-VL-2B-Instruct's files", () => {
    expect(readQwenConfig(qwen2Vl2b())).toMatchObject({
      modelType: 'qwen2_vl',
      imageTokenId: 151655,
      visionStartTokenId: 151652,
      visionEndTokenId: 151653,
      gridInputName: 'grid_thw',
      patchSize: 14,
      mergeSize: 2,
      temporalPatchSize: 2,
      minPixels: 3136,
      maxPixels: 12845056,
      kernel: 'cubic',
      doResize: true,
    });
  });

  it('names the grid input image_grid_thw for Qwen2.5-VL, and the family feeds it', () => {
    const json = qwen2Vl2b({ config: { model_type: 'qwen2_5_vl' } });
    expect(readQwenConfig(json).gridInputName).toBe('image_grid_thw');
    expect(qwen2VlEngine.bind(json).visionInputNames).toEqual(['pixel_values', 'image_grid_thw']);
    expect(qwen2VlEngine.bind(qwen2Vl2b()).visionInputNames).toEqual(['pixel_values', 'grid_thw']);
  });

  it('takes the pixel budget from size.shortest_edge / longest_edge when min_pixels / max_pixels are absent', () => {
    const json = qwen2Vl2b({
      preprocessor: {
        min_pixels: undefined,
        max_pixels: undefined,
        size: { shortest_edge: 1000, longest_edge: 9000 },
      },
    });
    expect(readQwenConfig(json)).toMatchObject({ minPixels: 1000, maxPixels: 9000 });
    // min_pixels / max_pixels win, as in Python.
    const both = qwen2Vl2b({ preprocessor: { size: { shortest_edge: 1000, longest_edge: 9000 } } });
    expect(readQwenConfig(both)).toMatchObject({ minPixels: 3136, maxPixels: 12845056 });
  });

  it('names the file and key that is wrong, and what to do', () => {
    expect(tesseraFailure(() => readQwenConfig(qwen2Vl2b({ config: { model_type: 'llava' } }))).message).toBe(
      '/models/Qwen2-VL-2B-Instruct/config.json: "model_type" must be "qwen2_vl" or "qwen2_5_vl" (found "llava").',
    );
    const noImageToken = tesseraFailure(() =>
      readQwenConfig(qwen2Vl2b({ config: { image_token_id: undefined } })),
    );
    expect(noImageToken.code).toBe('MODEL_FILE_CORRUPT');
    expect(noImageToken.message).toMatch(
      /config\.json: "image_token_id" must be a token id \(it is missing\)/,
    );
    expect(
      tesseraFailure(() => readQwenConfig(qwen2Vl2b({ preprocessor: { patch_size: 0 } }))).message,
    ).toMatch(/preprocessor_config\.json: "patch_size" must be a positive integer \(found 0\)/);
    expect(tesseraFailure(() => readQwenConfig(qwen2Vl2b({ preprocessor: { resample: 5 } }))).code).toBe(
      'MODEL_UNSUPPORTED',
    );
    expect(
      tesseraFailure(() => readQwenConfig(qwen2Vl2b({ preprocessor: { merge_size: 3 } }))).message,
    ).toMatch(
      /"merge_size" is 3 but .*config\.json "vision_config\.spatial_merge_size" is 2.*Download the model again/,
    );
    expect(
      tesseraFailure(() =>
        readQwenConfig(qwen2Vl2b({ preprocessor: { min_pixels: 20000, max_pixels: 10000 } })),
      ).message,
    ).toMatch(/minimum pixel count \(20000\) is above the maximum \(10000\)/);
  });
});
