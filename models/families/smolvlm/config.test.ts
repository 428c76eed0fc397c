import { describe, expect, it } from 'vitest';
import { expectTesseraError } from '../../testing/errors.ts';
import type { ModelJson } from '../family.ts';
import { readSmolVlmConfig } from './config.ts';
import { idefics3, smolvlm256m } from './testing.ts';

const expectConfigError = (json: ModelJson, code: string, ...parts: string[]) =>
  expectTesseraError(() => readSmolVlmConfig(json), code, ...parts);

const PRE = '/models/SmolVLM-256M-Instruct/preprocessor_config.json';
const CONFIG = '/models/SmolVLM-256M-Instruct/config.json';

describe('readSmolVlmConfig', () => {
  it('reads SmolVLM-256M', () => {
    expect(readSmolVlmConfig(smolvlm256m())).toEqual({
      modelType: 'idefics3',
      imageTokenId: 49190,
      doResize: true,
      sizeLongestEdge: 2048,
      tileSize: 512,
      doImageSplitting: true,
      kernel: 'lanczos3',
      rescaleFactor: 1 / 255,
      imageMean: [0.5, 0.5, 0.5],
      imageStd: [0.5, 0.5, 0.5],
      imageSeqLen: 64,
    });
  });

  it('accepts model_type smolvlm and image_token_index', () => {
    const json = smolvlm256m({
      config: { model_type: 'smolvlm', image_token_id: undefined, image_token_index: 7 },
    });
    expect(readSmolVlmConfig(json)).toMatchObject({ modelType: 'smolvlm', imageTokenId: 7 });
  });

  it('computes image_seq_len without processor_config.json: (image_size / patch_size)² / scale_factor²', () => {
    expect(readSmolVlmConfig({ ...smolvlm256m(), processorConfig: null }).imageSeqLen).toBe(64);
    expect(readSmolVlmConfig(idefics3()).imageSeqLen).toBe(169);
  });

  it('maps resample codes to sharp kernels and defaults like Python', () => {
    const kernel = (resample: unknown) =>
      readSmolVlmConfig(smolvlm256m({ preprocessor: { resample } })).kernel;
    expect([kernel(0), kernel(1), kernel(2), kernel(3), kernel(undefined)]).toEqual([
      'nearest',
      'lanczos3',
      'linear',
      'cubic',
      'lanczos3',
    ]);
    const dropped = new Set(['image_mean', 'image_std', 'rescale_factor', 'do_image_splitting']);
    const full = smolvlm256m();
    const bare = {
      ...full,
      preprocessorConfig: Object.fromEntries(
        Object.entries(full.preprocessorConfig).filter(([key]) => !dropped.has(key)),
      ),
    };
    expect(readSmolVlmConfig(bare)).toMatchObject({
      imageMean: [0.5, 0.5, 0.5],
      imageStd: [0.5, 0.5, 0.5],
      rescaleFactor: 1 / 255,
      doImageSplitting: true,
    });
    const scalar = readSmolVlmConfig(smolvlm256m({ preprocessor: { image_mean: 0.25 } }));
    expect(scalar.imageMean).toEqual([0.25, 0.25, 0.25]);
  });

  it('names the file and key of what is wrong', () => {
    expectConfigError(
      smolvlm256m({ preprocessor: { size: {} } }),
      'MODEL_FILE_CORRUPT',
      PRE,
      '"size.longest_edge"',
      'it is missing',
    );
    expectConfigError(
      smolvlm256m({ preprocessor: { max_image_size: { longest_edge: '512' } } }),
      'MODEL_FILE_CORRUPT',
      PRE,
      '"max_image_size.longest_edge"',
      'found "512"',
    );
    expectConfigError(smolvlm256m({ preprocessor: { resample: 4 } }), 'MODEL_UNSUPPORTED', PRE, '"resample"');
    expectConfigError(
      smolvlm256m({ preprocessor: { image_std: [0.5, 0, 0.5] } }),
      'MODEL_FILE_CORRUPT',
      '"image_std"',
    );
    expectConfigError(
      smolvlm256m({ preprocessor: { do_image_splitting: 'yes' } }),
      'MODEL_FILE_CORRUPT',
      '"do_image_splitting"',
    );
    expectConfigError(
      smolvlm256m({ config: { model_type: 'llava' } }),
      'MODEL_UNSUPPORTED',
      CONFIG,
      '"model_type"',
    );
    expectConfigError(
      smolvlm256m({ config: { image_token_id: undefined } }),
      'MODEL_FILE_CORRUPT',
      CONFIG,
      '"image_token_index"',
    );
    expectConfigError(
      { ...smolvlm256m(), processorConfig: { image_seq_len: 0 } },
      'MODEL_FILE_CORRUPT',
      '/models/SmolVLM-256M-Instruct/processor_config.json',
      '"image_seq_len"',
    );
  });

  it('explains a missing or fractional computed image_seq_len', () => {
    const noVision = { ...smolvlm256m({ config: { vision_config: undefined } }), processorConfig: null };
    expectConfigError(noVision, 'MODEL_FILE_CORRUPT', CONFIG, '"vision_config.image_size"');
    const odd = { ...smolvlm256m({ config: { scale_factor: 3 } }), processorConfig: null };
    expectConfigError(odd, 'MODEL_FILE_CORRUPT', CONFIG, 'scale_factor', 'image_seq_len');
  });
});
