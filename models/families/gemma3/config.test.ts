import { describe, expect, it } from 'vitest';
import { tesseraFailure } from '../../testing/errors.ts';
import { readGemma3Config } from './config.ts';
import { gemma3_4b } from './testing.ts';

describe('readGemma3Config', () => {
  it("reads gemma-3-4b-it's files: 896-pixel bilinear views, 256 soft tokens, pan-and-scan defaults (off)", () => {
    expect(readGemma3Config(gemma3_4b())).toEqual({
      imageTokenId: 262144,
      inputSize: { width: 896, height: 896 },
      kernel: 'linear',
      rescaleFactor: 0.00392156862745098,
      imageMean: [0.5, 0.5, 0.5],
      imageStd: [0.5, 0.5, 0.5],
      tokensPerView: 256,
      panAndScan: { enabled: false, minCropSize: 256, maxNumCrops: 4, minRatioToActivate: 1.2 },
    });
  });

  it('reads pan-and-scan settings where the file has them', () => {
    const cfg = readGemma3Config(
      gemma3_4b({
        preprocessor: {
          do_pan_and_scan: true,
          pan_and_scan_min_crop_size: 10,
          pan_and_scan_max_num_crops: 2,
          pan_and_scan_min_ratio_to_activate: 1.5,
        },
      }),
    );
    expect(cfg.panAndScan).toEqual({
      enabled: true,
      minCropSize: 10,
      maxNumCrops: 2,
      minRatioToActivate: 1.5,
    });
  });

  it('falls back to image_token_id, and needs no processor_config.json', () => {
    const cfg = readGemma3Config(
      gemma3_4b({ config: { image_token_index: undefined, image_token_id: 7 }, processor: null }),
    );
    expect(cfg.imageTokenId).toBe(7);
    expect(cfg.tokensPerView).toBe(256);
  });

  it('without do_normalize / do_rescale the values pass through', () => {
    const cfg = readGemma3Config(gemma3_4b({ preprocessor: { do_normalize: false, do_rescale: false } }));
    expect([cfg.rescaleFactor, cfg.imageMean, cfg.imageStd]).toEqual([1, [0, 0, 0], [1, 1, 1]]);
  });

  it('refuses another model_type', () => {
    const error = tesseraFailure(() => readGemma3Config(gemma3_4b({ config: { model_type: 'gemma3n' } })));
    expect(error.code).toBe('MODEL_UNSUPPORTED');
    expect(error.message).toBe(
      '/models/gemma-3-4b-it/config.json: "model_type" must be "gemma3" (found "gemma3n").',
    );
  });

  it('names the file and key of a view size the vision tower does not take', () => {
    const error = tesseraFailure(() =>
      readGemma3Config(gemma3_4b({ preprocessor: { size: { height: 448, width: 448 } } })),
    );
    expect(error.code).toBe('MODEL_FILE_CORRUPT');
    expect(error.message).toContain('/models/gemma-3-4b-it/preprocessor_config.json makes 448×448 views');
    expect(error.message).toContain('"vision_config.image_size" is 896');
  });

  it('refuses a size without height and width, and do_resize false', () => {
    expect(
      tesseraFailure(() => readGemma3Config(gemma3_4b({ preprocessor: { size: 896 } }))).message,
    ).toContain('"size.width" must be a positive integer');
    expect(
      tesseraFailure(() => readGemma3Config(gemma3_4b({ preprocessor: { do_resize: false } }))).message,
    ).toContain('"do_resize" is false');
  });

  it('refuses a soft-token count the 4 × 4 pool cannot make, and a processor that disagrees', () => {
    expect(
      tesseraFailure(() => readGemma3Config(gemma3_4b({ config: { mm_tokens_per_image: 200 } }))).message,
    ).toBe(
      '/models/gemma-3-4b-it/config.json: "mm_tokens_per_image" must be a square number whose side divides the ' +
        '64 patches per side (found 200).',
    );
    expect(
      tesseraFailure(() => readGemma3Config(gemma3_4b({ config: { mm_tokens_per_image: 9 } }))).code,
    ).toBe('MODEL_FILE_CORRUPT');
    expect(
      tesseraFailure(() => readGemma3Config(gemma3_4b({ processor: { image_seq_length: 64 } }))).message,
    ).toBe(
      '/models/gemma-3-4b-it/processor_config.json: "image_seq_length" must be 256, config.json\'s ' +
        '"mm_tokens_per_image" (found 64).',
    );
  });

  it('names bad pan-and-scan values', () => {
    const bad = (key: string, value: unknown) =>
      tesseraFailure(() => readGemma3Config(gemma3_4b({ preprocessor: { [key]: value } }))).message;
    expect(bad('pan_and_scan_min_ratio_to_activate', 0.5)).toContain('must be a number ≥ 1 (found 0.5)');
    expect(bad('pan_and_scan_max_num_crops', 0)).toContain(
      '"pan_and_scan_max_num_crops" must be a positive integer',
    );
    expect(bad('pan_and_scan_min_crop_size', '256')).toContain('"pan_and_scan_min_crop_size"');
    expect(bad('do_pan_and_scan', 'yes')).toContain('"do_pan_and_scan" must be true or false');
    expect(bad('resample', 4)).toContain('"resample" must be 0 (nearest)');
  });
});
