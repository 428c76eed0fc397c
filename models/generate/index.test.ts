import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTesseraError } from '../errors.ts';
import { makeModel } from './index.ts';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'make-model-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const JSON_FILES = [
  'chat_template.json',
  'config.json',
  'generation_config.json',
  'preprocessor_config.json',
  'processor_config.json',
  'special_tokens_map.json',
  'tokenizer.json',
  'tokenizer_config.json',
];

describe('makeModel', () => {
  it('writes the whole folder and leaves no temporary folder behind', async () => {
    const outDir = join(root, 'nested', 'fp32');
    const { dir, files } = await makeModel({
      family: 'smolvlm',
      size: 'tiny',
      dtype: 'fp32',
      seed: 1,
      outDir,
    });
    expect(dir).toBe(outDir);
    expect(files).toEqual(
      [
        ...JSON_FILES,
        'onnx/decoder_model_merged.onnx',
        'onnx/embed_tokens.onnx',
        'onnx/vision_encoder.onnx',
      ].sort(),
    );
    expect((await readdir(join(root, 'nested'))).sort()).toEqual(['fp32']);
  });

  it('writes a LLaVA folder with the same files', async () => {
    const { files } = await makeModel({
      family: 'llava',
      size: 'tiny',
      dtype: 'q4',
      seed: 1,
      outDir: join(root, 'llava'),
    });
    expect(files).toEqual(
      [
        ...JSON_FILES,
        'onnx/decoder_model_merged_q4.onnx',
        'onnx/embed_tokens_q4.onnx',
        'onnx/vision_encoder_q4.onnx',
      ].sort(),
    );
  });

  it('names q4 graphs with _q4 and external data files after their graph', async () => {
    const q4 = await makeModel({
      family: 'smolvlm',
      size: 'tiny',
      dtype: 'q4',
      seed: 1,
      outDir: join(root, 'q4'),
    });
    expect(q4.files.filter((f) => f.startsWith('onnx/'))).toEqual([
      'onnx/decoder_model_merged_q4.onnx',
      'onnx/embed_tokens_q4.onnx',
      'onnx/vision_encoder_q4.onnx',
    ]);
    const ext = await makeModel({
      family: 'smolvlm',
      size: 'tiny',
      dtype: 'q4',
      seed: 1,
      outDir: join(root, 'q4-ext'),
      externalData: true,
    });
    expect(ext.files.filter((f) => f.endsWith('.onnx_data'))).toEqual([
      'onnx/decoder_model_merged_q4.onnx_data',
      'onnx/embed_tokens_q4.onnx_data',
      'onnx/vision_encoder_q4.onnx_data',
    ]);
  });

  it('accepts an existing empty outDir', async () => {
    const outDir = join(root, 'empty');
    await mkdir(outDir);
    const { files } = await makeModel({ family: 'smolvlm', size: 'tiny', dtype: 'fp32', seed: 2, outDir });
    expect((await readdir(outDir)).sort()).toEqual([...JSON_FILES, 'onnx'].sort());
    expect(files.length).toBe(JSON_FILES.length + 3);
  });

  it('refuses a non-empty outDir with a clear error and leaves it alone', async () => {
    const outDir = join(root, 'taken');
    await mkdir(outDir);
    await writeFile(join(outDir, 'keep.txt'), 'mine');
    const error = await makeModel({ family: 'smolvlm', size: 'tiny', dtype: 'fp32', seed: 1, outDir }).catch(
      (e: unknown) => e,
    );
    expect(isTesseraError(error) && error.code).toBe('BAD_REQUEST');
    expect(String(error)).toMatch(/already exists and is not empty/);
    expect(await readdir(outDir)).toEqual(['keep.txt']);
    expect((await readdir(root)).filter((name) => name.includes('.tmp-'))).toEqual([]);
  });

  it('rejects an unknown family and a non-integer seed', async () => {
    const base = { size: 'tiny', dtype: 'fp32', outDir: join(root, 'bad') } as const;
    // @ts-expect-error: not a generated family
    await expect(makeModel({ ...base, family: 'mystery', seed: 1 })).rejects.toThrow(/unknown family/);
    await expect(makeModel({ ...base, family: 'smolvlm', seed: 1.5 })).rejects.toThrow(/seed/);
  });
});
