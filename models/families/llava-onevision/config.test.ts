import { describe, expect, it } from 'vitest';
import { expectTesseraError } from '../../testing/errors.ts';
import type { ModelJson } from '../family.ts';
import { readOnevisionConfig } from './config.ts';
import { onevision05b } from './testing.ts';

const DIR = '/models/llava-onevision-qwen2-0.5b-ov-hf';

const expectError = (json: ModelJson, code: string, ...parts: string[]) =>
  expectTesseraError(() => readOnevisionConfig(json), code, ...parts);

describe('readOnevisionConfig', () => {
  it('reads llava-onevision-qwen2-0.5b-ov-hf: 384 views, 27 × 27 cells, 36 pinpoints, anyres_max_9', () => {
    const cfg = readOnevisionConfig(onevision05b());
    expect(cfg).toMatchObject({
      imageTokenId: 151646,
      imageToken: '<image>',
      viewSide: 384,
      kernel: 'cubic',
      imageMean: [0.5, 0.5, 0.5],
      imageStd: [0.5, 0.5, 0.5],
      featureSide: 27,
      maxViews: 9,
    });
    expect(cfg.pinpoints).toHaveLength(36);
    expect(cfg.pinpoints[1]).toEqual({ height: 384, width: 768 });
  });

  it('defaults like the Python classes: anyres_max_9, <image>, bicubic, OpenAI CLIP mean/std', () => {
    const pre = onevision05b().preprocessorConfig;
    const { image_mean: _m, image_std: _s, resample: _r, ...rest } = pre;
    const cfg = readOnevisionConfig({
      ...onevision05b({ processor: null, config: { vision_aspect_ratio: undefined } }),
      preprocessorConfig: rest,
    });
    expect(cfg).toMatchObject({ maxViews: 9, imageToken: '<image>', kernel: 'cubic' });
    expect(cfg.imageMean[0]).toBeCloseTo(0.4815, 4);
  });

  it('names the file and key of what is wrong', () => {
    expectError(
      onevision05b({ config: { model_type: 'llava_next' } }),
      'MODEL_UNSUPPORTED',
      `${DIR}/config.json`,
      '"model_type"',
    );
    expectError(
      onevision05b({ config: { image_grid_pinpoints: [[384, 500]] } }),
      'MODEL_FILE_CORRUPT',
      '"image_grid_pinpoints"',
      'multiple of 384',
    );
    expectError(
      onevision05b({ preprocessor: { image_grid_pinpoints: [[384, 384]] } }),
      'MODEL_FILE_CORRUPT',
      'preprocessor_config.json "image_grid_pinpoints" differ',
    );
    expectError(
      onevision05b({ config: { vision_aspect_ratio: 'pad' } }),
      'MODEL_UNSUPPORTED',
      '"vision_aspect_ratio"',
    );
    expectError(
      onevision05b({ processor: { vision_feature_select_strategy: 'default' } }),
      'MODEL_UNSUPPORTED',
      'processor_config.json',
      'SigLIP has no CLS',
    );
    expectError(
      onevision05b({ processor: { num_image_tokens: 576 } }),
      'MODEL_FILE_CORRUPT',
      '"num_image_tokens" is 576',
      '729',
    );
    expectError(
      onevision05b({ preprocessor: { size: { height: 336, width: 336 } } }),
      'MODEL_FILE_CORRUPT',
      'makes 336×336 views',
    );
    expectError(
      onevision05b({ preprocessor: { size: { height: 384, width: 768 } } }),
      'MODEL_FILE_CORRUPT',
      '"size"',
      'square',
    );
    expectError(
      onevision05b({ config: { image_token_index: -3 } }),
      'MODEL_FILE_CORRUPT',
      '"image_token_index"',
    );
  });
});
