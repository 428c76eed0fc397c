import { describe, expect, it } from 'vitest';
import { expectTesseraError } from '../../testing/errors.ts';
import type { ModelJson } from '../family.ts';
import { OPENAI_CLIP_MEAN, OPENAI_CLIP_STD, readLlavaConfig } from './config.ts';
import { llava15 } from './testing.ts';

const expectConfigError = (json: ModelJson, code: string, ...parts: string[]) =>
  expectTesseraError(() => readLlavaConfig(json), code, ...parts);

const DIR = '/models/llava-1.5-7b-hf';
const CONFIG = `${DIR}/config.json`;
const PRE = `${DIR}/preprocessor_config.json`;
const PROC = `${DIR}/processor_config.json`;

describe('readLlavaConfig', () => {
  it('reads llava-1.5-7b-hf: 336-pixel bicubic resize and crop, OpenAI CLIP mean/std, 576 tokens', () => {
    expect(readLlavaConfig(llava15())).toEqual({
      imageTokenId: 32000,
      imageToken: '<image>',
      resize: { shortestEdge: 336 },
      kernel: 'cubic',
      crop: { width: 336, height: 336 },
      rescaleFactor: 0.00392156862745098,
      imageMean: [...OPENAI_CLIP_MEAN],
      imageStd: [...OPENAI_CLIP_STD],
      inputSize: { width: 336, height: 336 },
      imageTokens: 576,
      tokenCount: { patchSize: 14, additional: 1, strategy: 'default', source: 'processor_config.json' },
    });
  });

  describe("image tokens follow Python's LlavaProcessor", () => {
    const tokens = (processor: Record<string, unknown> | null, config: Record<string, unknown> = {}) =>
      readLlavaConfig(llava15({ processor, config })).imageTokens;

    it('(336 // 14)² + num_additional_image_tokens − 1 for "default": 24·24 + 1 − 1 = 576', () => {
      expect(tokens({})).toBe(576);
      // transformers.js would say 577 here: it never subtracts the 1 (prompt.test.ts runs it).
    });

    it('"full" keeps every row; num_additional_image_tokens defaults to 0; no strategy subtracts nothing', () => {
      expect(tokens({ vision_feature_select_strategy: 'full' })).toBe(577);
      expect(tokens({ num_additional_image_tokens: 0, vision_feature_select_strategy: 'full' })).toBe(576);
      expect(tokens({ num_additional_image_tokens: undefined })).toBe(575);
      expect(tokens({ vision_feature_select_strategy: undefined })).toBe(577);
    });

    it('without processor_config.json: the rows the CLIP encoder returns, per config.json', () => {
      expect(tokens(null)).toBe(576);
      expect(tokens(null, { vision_feature_select_strategy: 'full' })).toBe(577);
      expect(readLlavaConfig(llava15({ processor: null })).tokenCount).toEqual({
        patchSize: 14,
        additional: 1,
        strategy: 'default',
        source: 'config.json',
      });
      expect(tokens({ patch_size: undefined })).toBe(576); // a processor_config without patch_size too
    });

    it('floors partial patches like Python: 336 // 16 = 21 → 21² + 1 − 1 = 441', () => {
      expect(tokens({ patch_size: 16 })).toBe(441);
    });
  });

  it('accepts the other size forms of Python get_size_dict', () => {
    const read = (preprocessor: Record<string, unknown>, config: Record<string, unknown> = {}) =>
      readLlavaConfig(llava15({ preprocessor, config }));
    expect(read({ size: 336, crop_size: 336 })).toMatchObject({
      resize: { shortestEdge: 336 },
      crop: { width: 336, height: 336 },
    });
    // An exact resize needs no crop: the resize is the encoder input.
    expect(read({ size: { height: 336, width: 336 }, do_center_crop: false })).toMatchObject({
      resize: { width: 336, height: 336 },
      crop: null,
      inputSize: { width: 336, height: 336 },
      imageTokens: 576,
    });
    // Without resizing, the crop (zero-padded where the image is smaller) is the input.
    expect(read({ do_resize: false })).toMatchObject({ resize: null, crop: { width: 336, height: 336 } });
  });

  it('defaults like CLIPImageProcessor: bicubic, 1/255, OpenAI CLIP mean and std, image_token <image>', () => {
    const dropped = new Set(['resample', 'rescale_factor', 'image_mean', 'image_std', 'do_center_crop']);
    const full = llava15({ processor: { image_token: undefined } });
    const json = {
      ...full,
      preprocessorConfig: Object.fromEntries(
        Object.entries(full.preprocessorConfig).filter(([key]) => !dropped.has(key)),
      ),
    };
    expect(readLlavaConfig(json)).toMatchObject({
      kernel: 'cubic',
      rescaleFactor: 1 / 255,
      imageMean: [...OPENAI_CLIP_MEAN],
      imageStd: [...OPENAI_CLIP_STD],
      crop: { width: 336, height: 336 },
      imageToken: '<image>',
    });
    const off = readLlavaConfig(llava15({ preprocessor: { do_normalize: false, do_rescale: false } }));
    expect([off.rescaleFactor, off.imageMean, off.imageStd]).toEqual([1, [0, 0, 0], [1, 1, 1]]);
    expect(
      readLlavaConfig(llava15({ config: { image_token_index: undefined, image_token_id: 5 } })),
    ).toMatchObject({ imageTokenId: 5 });
  });

  it('names the file and key of what is wrong', () => {
    expectConfigError(
      llava15({ config: { model_type: 'llava_next' } }),
      'MODEL_UNSUPPORTED',
      CONFIG,
      '"model_type"',
    );
    expectConfigError(
      llava15({ config: { image_token_index: -1 } }),
      'MODEL_FILE_CORRUPT',
      CONFIG,
      '"image_token_index"',
      'found -1',
    );
    expectConfigError(llava15({ preprocessor: { size: {} } }), 'MODEL_FILE_CORRUPT', PRE, '"size"');
    expectConfigError(
      llava15({ preprocessor: { crop_size: { height: 336 } } }),
      'MODEL_FILE_CORRUPT',
      PRE,
      '"crop_size.width"',
      'it is missing',
    );
    expectConfigError(llava15({ preprocessor: { resample: 5 } }), 'MODEL_UNSUPPORTED', PRE, '"resample"');
    expectConfigError(
      llava15({ preprocessor: { image_std: [0.2, 0, 0.2] } }),
      'MODEL_FILE_CORRUPT',
      PRE,
      '"image_std"',
    );
    expectConfigError(
      llava15({ processor: { vision_feature_select_strategy: 'cls' } }),
      'MODEL_UNSUPPORTED',
      PROC,
      '"vision_feature_select_strategy"',
      'found "cls"',
    );
    expectConfigError(
      llava15({ processor: { num_additional_image_tokens: -1 } }),
      'MODEL_FILE_CORRUPT',
      PROC,
      '"num_additional_image_tokens"',
    );
    expectConfigError(
      llava15({ processor: { image_token: '' } }),
      'MODEL_FILE_CORRUPT',
      PROC,
      '"image_token"',
    );
    expectConfigError(
      llava15({ processor: null, config: { vision_config: { image_size: 336 } } }),
      'MODEL_FILE_CORRUPT',
      CONFIG,
      '"vision_config.patch_size"',
    );
  });

  it('refuses geometry the encoder cannot take, saying why', () => {
    expectConfigError(
      llava15({ preprocessor: { do_center_crop: false } }),
      'MODEL_UNSUPPORTED',
      PRE,
      'do_center_crop',
      'one fixed size',
    );
    expectConfigError(
      llava15({ preprocessor: { crop_size: { height: 224, width: 224 } } }),
      'MODEL_FILE_CORRUPT',
      'makes 224×224 images',
      '"vision_config.image_size" is 336',
    );
    expectConfigError(
      llava15({ processor: { patch_size: 400 } }),
      'MODEL_FILE_CORRUPT',
      'give 0 image tokens',
    );
  });
});
