/**
 * Bad input gets a clear error naming what was wrong, and the model keeps working afterwards.
 */
import {
  copyFileSync,
  cpSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../app/chat.ts';
import { TesseraError } from '../errors.ts';
import { gradientImage, hugePngHeader, noiseImage } from '../testing/images.ts';
import { testModelDir } from '../testing/test-models.ts';
import { Vlm } from './vlm.ts';

let dir: string;
let vlm: Vlm;
const scratch = mkdtempSync(join(tmpdir(), 'tessera-bad-input-'));

beforeAll(async () => {
  dir = await testModelDir({ family: 'smolvlm', size: 'tiny', dtype: 'fp32', seed: 1 });
  vlm = await Vlm.load(dir, { device: 'cpu', dtype: 'fp32' });
});

afterAll(async () => {
  await vlm?.dispose();
  rmSync(scratch, { recursive: true, force: true });
});

const ask = (data: Uint8Array) =>
  vlm.generate(
    {
      messages: [
        {
          role: 'user',
          content: [
            { type: 'image', data },
            { type: 'text', text: 'What is it?' },
          ],
        },
      ],
    },
    () => {},
  );

async function expectCode(promise: Promise<unknown>, code: string, pattern: RegExp) {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TesseraError);
  expect((error as TesseraError).code).toBe(code);
  expect((error as TesseraError).message).toMatch(pattern);
}

async function stillWorks() {
  const result = await vlm.generate(
    {
      messages: [{ role: 'user', content: [{ type: 'text', text: 'ok?' }] }],
      sampling: { maxTokens: 3, ignoreEos: true },
    },
    () => {},
  );
  expect(result.tokenIds).toHaveLength(3);
}

/** A model folder copied to scratch space, to be damaged by a test. */
function copyModel(name: string): string {
  const copy = join(scratch, name);
  cpSync(dir, copy, { recursive: true });
  return copy;
}

describe('bad images', () => {
  it('refuses a file that is not an image', async () => {
    await expectCode(ask(new TextEncoder().encode('definitely not a picture')), 'IMAGE_INVALID', /image/i);
    await stillWorks();
  });

  it('refuses a zero-byte file', async () => {
    await expectCode(ask(new Uint8Array(0)), 'IMAGE_INVALID', /empty/i);
    await stillWorks();
  });

  it('refuses a truncated image', async () => {
    const png = await noiseImage(120, 80, 3);
    await expectCode(ask(png.subarray(0, Math.floor(png.length / 2))), 'IMAGE_INVALID', /truncated|corrupt/i);
    await stillWorks();
  });

  it('refuses a 30000×30000 PNG before decoding it', async () => {
    await expectCode(ask(hugePngHeader(30000, 30000)), 'IMAGE_TOO_LARGE', /30000.*30000/);
    await stillWorks();
  });
});

describe('bad prompts', () => {
  it('refuses a prompt over the context window, saying by how much', async () => {
    const longText = 'many words '.repeat(2000);
    const message: ChatMessage = { role: 'user', content: [{ type: 'text', text: longText }] };
    await expectCode(
      vlm.generate({ messages: [message] }, () => {}),
      'PROMPT_TOO_LONG',
      /\d+ tokens over/,
    );
    await stillWorks();
  });

  it('refuses a literal image placeholder typed into the text', async () => {
    const message: ChatMessage = {
      role: 'user',
      content: [
        { type: 'image', data: await gradientImage(64, 64) },
        { type: 'text', text: 'what is <image>?' },
      ],
    };
    await expectCode(
      vlm.generate({ messages: [message] }, () => {}),
      'IMAGE_TOKEN_MISMATCH',
      /<image>/,
    );
    await stillWorks();
  });
});

describe('bad model folders', () => {
  it('names a missing file', async () => {
    const copy = copyModel('missing');
    rmSync(join(copy, 'tokenizer.json'));
    await expectCode(Vlm.load(copy, { device: 'cpu' }), 'MODEL_FILE_MISSING', /tokenizer\.json/);
    const noGraph = copyModel('missing-graph');
    rmSync(join(noGraph, 'onnx', 'decoder_model_merged.onnx'));
    await expectCode(
      Vlm.load(noGraph, { device: 'cpu', dtype: 'fp32' }),
      'MODEL_FILE_MISSING',
      /decoder_model_merged\.onnx/,
    );
  });

  it('names a corrupt ONNX file', async () => {
    const copy = copyModel('corrupt');
    const path = join(copy, 'onnx', 'vision_encoder.onnx');
    truncateSync(path, Math.floor(readFileSync(path).length / 3));
    await expectCode(
      Vlm.load(copy, { device: 'cpu', dtype: 'fp32' }),
      'MODEL_FILE_CORRUPT',
      /vision_encoder\.onnx/,
    );
  });

  it('names an unknown model type', async () => {
    const copy = copyModel('unknown-type');
    const config = JSON.parse(readFileSync(join(copy, 'config.json'), 'utf8'));
    writeFileSync(join(copy, 'config.json'), JSON.stringify({ ...config, model_type: 'mystery_vlm' }));
    await expectCode(Vlm.load(copy, { device: 'cpu' }), 'MODEL_UNSUPPORTED', /mystery_vlm/);
  });

  it('names a graph whose inputs do not match the family', async () => {
    const copy = copyModel('mismatch');
    copyFileSync(join(copy, 'onnx', 'embed_tokens.onnx'), join(copy, 'onnx', 'vision_encoder.onnx'));
    await expectCode(
      Vlm.load(copy, { device: 'cpu', dtype: 'fp32' }),
      'MODEL_GRAPH_MISMATCH',
      /vision_encoder\.onnx.*pixel_values/,
    );
  });
});
