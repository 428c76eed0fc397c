/** LFM2-VL configuration: the published values, Python's defaults, and errors that name the file and key. */
import { describe, expect, it } from 'vitest';
import { tesseraFailure } from '../../testing/errors.ts';
import { readLfm2VlConfig } from './config.ts';
import { lfm2Vl450m } from './testing.ts';

describe('readLfm2VlConfig', () => {
  it("reads LFM2-VL-450M's settings", () => {
    expect(readLfm2VlConfig(lfm2Vl450m())).toMatchObject({
      imageTokenId: 396,
      imageToken: '<image>',
      imageStart: '<|image_start|>',
      imageEnd: '<|image_end|>',
      thumbnailToken: '<|img_thumbnail|>',
      patchSize: 16,
      downsampleFactor: 2,
      tileSize: 512,
      minTiles: 2,
      maxTiles: 10,
      splitting: true,
      useThumbnail: true,
      minImageTokens: 64,
      maxImageTokens: 256,
      maxPixelsTolerance: 2,
      maxNumPatches: 1024,
      imageMean: [0.5, 0.5, 0.5],
      imageStd: [0.5, 0.5, 0.5],
    });
  });

  it("falls back to Python's defaults for every geometry key", () => {
    const bare = lfm2Vl450m({ processor: null });
    bare.preprocessorConfig = {};
    const cfg = readLfm2VlConfig(bare);
    expect(cfg).toMatchObject({
      patchSize: 16,
      tileSize: 512,
      maxNumPatches: 1024,
      imageMean: [0.5, 0.5, 0.5],
    });
    expect(cfg.rescaleFactor).toBeCloseTo(1 / 255, 12);
    // Without splitting, the rows only need to hold the largest single view.
    const single = readLfm2VlConfig(
      lfm2Vl450m({ preprocessor: { do_image_splitting: false, max_image_tokens: 64 } }),
    );
    expect(single.maxNumPatches).toBe(256);
    expect(single.splitting).toBe(false);
    const plain = readLfm2VlConfig(lfm2Vl450m({ preprocessor: { do_normalize: false, do_rescale: false } }));
    expect([plain.imageMean, plain.imageStd, plain.rescaleFactor]).toEqual([[0, 0, 0], [1, 1, 1], 1]);
    expect(
      readLfm2VlConfig(lfm2Vl450m({ config: { image_token_id: undefined, image_token_index: 7 } }))
        .imageTokenId,
    ).toBe(7);
  });

  it('names the file and key that is wrong', () => {
    const cases: Array<[Parameters<typeof lfm2Vl450m>[0], string, RegExp]> = [
      [
        { config: { model_type: 'llava' } },
        'MODEL_UNSUPPORTED',
        /config\.json: "model_type" must be "lfm2_vl"/,
      ],
      [
        { config: { image_token_id: -1 } },
        'MODEL_FILE_CORRUPT',
        /config\.json: "image_token_id" must be a token id/,
      ],
      [
        { preprocessor: { tile_size: 0 } },
        'MODEL_FILE_CORRUPT',
        /preprocessor_config\.json: "tile_size" must be a positive integer/,
      ],
      [
        { preprocessor: { tile_size: 500 } },
        'MODEL_UNSUPPORTED',
        /preprocessor_config\.json: "tile_size" 500 is not a multiple of .* \(32\)/,
      ],
      [
        { preprocessor: { min_tiles: 4, max_tiles: 2 } },
        'MODEL_FILE_CORRUPT',
        /"min_tiles" \(4\) is larger than "max_tiles" \(2\)/,
      ],
      [
        { preprocessor: { min_image_tokens: 300 } },
        'MODEL_FILE_CORRUPT',
        /"min_image_tokens" \(300\) is larger/,
      ],
      [
        { preprocessor: { use_thumbnail: 'yes' } },
        'MODEL_FILE_CORRUPT',
        /"use_thumbnail" must be true or false/,
      ],
      [
        { preprocessor: { image_std: [0.5, 0, 0.5] } },
        'MODEL_FILE_CORRUPT',
        /"image_std" must be three non-zero numbers/,
      ],
      [
        { processor: { image_token: '' } },
        'MODEL_FILE_CORRUPT',
        /processor_config\.json: "image_token" must be a non-empty string/,
      ],
    ];
    for (const [overrides, code, message] of cases) {
      const error = tesseraFailure(() => readLfm2VlConfig(lfm2Vl450m(overrides)));
      expect(error.code, String(message)).toBe(code);
      expect(error.message).toMatch(message);
      expect(error.message).toContain('/models/LFM2-VL-450M/');
    }
  });
});
