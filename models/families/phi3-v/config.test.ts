import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectTesseraError } from '../../testing/errors.ts';
import { OPENAI_CLIP_MEAN, OPENAI_CLIP_STD, imageTokenIdIn, readPhi3vConfig } from './config.ts';
import { phi3v } from './geometry.ts';
import { phi35 } from './testing.ts';

const PRE = '/models/Phi-3.5-vision-instruct/preprocessor_config.json';

describe('readPhi3vConfig', () => {
  it('reads Phi-3.5-vision: 4 crops, 144 rows per view (12 per row), OpenAI CLIP mean/std', () => {
    expect(readPhi3vConfig(phi35())).toEqual({
      numCrops: 4,
      tokensPerCrop: 144,
      tokensPerRow: 12,
      imageMean: [...OPENAI_CLIP_MEAN],
      imageStd: [...OPENAI_CLIP_STD],
      dir: '/models/Phi-3.5-vision-instruct',
    });
  });

  it('takes num_img_tokens from config.json img_processor when the preprocessor lacks it', () => {
    const json = phi35({
      preprocessor: { num_img_tokens: undefined },
      config: { img_processor: { num_img_tokens: 64 } },
    });
    expect(readPhi3vConfig(json)).toMatchObject({ tokensPerCrop: 64, tokensPerRow: 8 });
  });

  it('names the file and key of a wrong value', () => {
    expectTesseraError(
      () => readPhi3vConfig(phi35({ preprocessor: { num_crops: 0 } })),
      'MODEL_FILE_CORRUPT',
      PRE,
      '"num_crops"',
      'positive integer',
    );
    expectTesseraError(
      () => readPhi3vConfig(phi35({ preprocessor: { num_crops: undefined } })),
      'MODEL_FILE_CORRUPT',
      '"num_crops"',
      'it is missing',
    );
    expectTesseraError(
      () => readPhi3vConfig(phi35({ preprocessor: { num_img_tokens: 150 } })),
      'MODEL_FILE_CORRUPT',
      PRE,
      '"num_img_tokens"',
      'square number',
    );
    expectTesseraError(
      () => readPhi3vConfig(phi35({ preprocessor: { image_std: [0.2, 0, 0.2] } })),
      'MODEL_FILE_CORRUPT',
      '"image_std"',
    );
    expectTesseraError(
      () => readPhi3vConfig(phi35({ config: { model_type: 'phi3' } })),
      'MODEL_UNSUPPORTED',
      'config.json',
      '"model_type"',
    );
  });
});

describe('the <|image|> token id', () => {
  const scratch = () => mkdtempSync(join(tmpdir(), 'tessera-phi3v-'));

  it('comes from tokenizer_config.json added_tokens_decoder, else tokenizer.json added_tokens, on first use', () => {
    const dir = scratch();
    try {
      const family = phi3v.bind({ ...phi35(), dir });
      // Planning needs no tokenizer: binding and planning work in a folder without one.
      expect(family.planImage({ width: 224, height: 224 }, 'high').imageTokens).toBe(757);
      expectTesseraError(() => family.imageTokenId, 'MODEL_FILE_CORRUPT', 'no <|image|> token', dir);
      writeFileSync(
        join(dir, 'tokenizer.json'),
        JSON.stringify({ added_tokens: [{ id: 32044, content: '<|image|>' }] }),
      );
      expect(imageTokenIdIn(dir)).toBe(32044);
      writeFileSync(
        join(dir, 'tokenizer_config.json'),
        JSON.stringify({
          added_tokens_decoder: { '32010': { content: '<|user|>' }, '32045': { content: '<|image|>' } },
        }),
      );
      expect(imageTokenIdIn(dir)).toBe(32045);
      writeFileSync(join(dir, 'tokenizer_config.json'), '{ not json');
      expectTesseraError(
        () => imageTokenIdIn(dir),
        'MODEL_FILE_CORRUPT',
        'tokenizer_config.json',
        'not valid JSON',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
