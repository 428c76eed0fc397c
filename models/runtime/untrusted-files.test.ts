/**
 * A model folder whose files are not what they claim: links to /dev/zero and /etc/passwd, config values out
 * of range, Git LFS pointers in place of graphs. Each fails fast with one line naming the file; nothing is
 * read whole that should not be, and no file's content is echoed.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TesseraError } from '../errors.ts';
import { planFromFolder } from '../families/plan-folder.ts';
import type { GeneratedFamily } from '../generate/index.ts';
import { configValueProblems } from '../files/config-values.ts';
import { testModelDir } from '../testing/test-models.ts';
import { modelFolderProblem } from './folder-problem.ts';
import { readModelJson } from './model-folder.ts';
import { Vlm } from './vlm.ts';

const scratch = mkdtempSync(join(tmpdir(), 'tessera-untrusted-'));
let base: string;

beforeAll(async () => {
  base = await testModelDir({ family: 'smolvlm', size: 'tiny', dtype: 'fp32', seed: 1 });
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A copy of the tiny model (780 kB), changed by `edit`. */
function damaged(name: string, edit: (dir: string) => void): string {
  const dir = join(scratch, name);
  cpSync(base, dir, { recursive: true });
  edit(dir);
  return dir;
}

function linkTo(target: string, dir: string, file: string): void {
  unlinkSync(join(dir, file));
  symlinkSync(target, join(dir, file));
}

const pointerText = (size: number) =>
  `version https://git-lfs.github.com/spec/v1\noid sha256:${'c0'.repeat(32)}\nsize ${size}\n`;

/** The load's error: a TesseraError in one line, within a second or two (nothing read to its end). */
async function loadError(dir: string): Promise<TesseraError> {
  const started = performance.now();
  const error = await Vlm.load(dir, { device: 'cpu', dtype: 'fp32' }).then(
    async (vlm) => {
      await vlm.dispose();
      return null;
    },
    (e: unknown) => e,
  );
  expect(performance.now() - started).toBeLessThan(5000);
  expect(error).toBeInstanceOf(TesseraError);
  expect((error as Error).message).not.toContain('\n');
  return error as TesseraError;
}

describe('files that are not what they claim', () => {
  it('config.json linked to /dev/zero: refused as a device, when planning and when loading', async () => {
    const dir = damaged('config-zero', (d) => linkTo('/dev/zero', d, 'config.json'));
    const error = await loadError(dir);
    expect(error.code).toBe('MODEL_FILE_CORRUPT');
    expect(error.message).toMatch(
      /config\.json is not a regular file \(a device\); a model config must be a plain file/,
    );
    expect(() => planFromFolder(dir, { width: 100, height: 100 })).toThrow(error.message);
    expect(modelFolderProblem(dir)).toBe(error.message);
  });

  it('tokenizer.json linked to /dev/zero: refused before the tokenizer reads it', async () => {
    const dir = damaged('tokenizer-zero', (d) => linkTo('/dev/zero', d, 'tokenizer.json'));
    const error = await loadError(dir);
    expect(error.message).toBe(
      `${join(dir, 'tokenizer.json')} is not a regular file (a device); a tokenizer file must be a plain file. ` +
        "Replace it with the model's real tokenizer.json, or download the model again.",
    );
    expect(modelFolderProblem(dir)).toBe(error.message);
  });

  it('config.json linked to /etc/passwd: the position of the error, never the content', async () => {
    const dir = damaged('config-passwd', (d) => linkTo('/etc/passwd', d, 'config.json'));
    const error = await loadError(dir);
    expect(error.message).toMatch(/config\.json is not valid JSON \(at line 1, column 1\)/);
    expect(error.message).not.toContain('root:');
  });

  it('a graph linked to /dev/zero is refused before onnxruntime opens it', async () => {
    const dir = damaged('graph-zero', (d) => linkTo('/dev/zero', d, 'onnx/decoder_model_merged.onnx'));
    const error = await loadError(dir);
    expect(error.message).toMatch(
      /decoder_model_merged\.onnx is not a regular file \(a device\); an ONNX graph must be a plain file\./,
    );
  });
});

describe('config values out of range', () => {
  it('lists every bad value of every file in one error', async () => {
    const dir = damaged('bad-values', (d) => {
      const config = JSON.parse(readFileSync(join(d, 'config.json'), 'utf8'));
      config.text_config.max_position_embeddings = -5;
      config.text_config.num_attention_heads = 0;
      config.vision_config.image_size = 30000;
      config.vision_config.patch_size = 2.5;
      writeFileSync(join(d, 'config.json'), JSON.stringify(config));
      const pre = JSON.parse(readFileSync(join(d, 'preprocessor_config.json'), 'utf8'));
      pre.max_image_size.longest_edge = 1;
      writeFileSync(join(d, 'preprocessor_config.json'), JSON.stringify(pre));
    });
    const expected =
      `${join(dir, 'config.json')} has values Tessera cannot use: ` +
      'text_config.num_attention_heads is 0 (must be a whole number from 1 to 1024); ' +
      'text_config.max_position_embeddings is -5 (must be a whole number from 16 to 2097152); ' +
      'vision_config.image_size is 30000 (must be a whole number from 14 to 8192); ' +
      'vision_config.patch_size is 2.5 (must be a whole number from 1 to 1024). ' +
      `${join(dir, 'preprocessor_config.json')} has values Tessera cannot use: ` +
      'max_image_size.longest_edge is 1 (must be a whole number from 14 to 8192). ' +
      'Fix the values or download the model again.';
    expect(() => readModelJson(dir)).toThrow(expected);
    expect(() => planFromFolder(dir, { width: 100, height: 100 })).toThrow(expected);
    const error = await loadError(dir);
    expect(error.code).toBe('MODEL_FILE_CORRUPT');
    expect(error.message).toBe(expected);
  });

  it('passes the configs of every generated family and of the real SmolVLM-256M', async () => {
    const families: GeneratedFamily[] = [
      'smolvlm',
      'llava',
      'llava-onevision',
      'fastvlm',
      'gemma3',
      'qwen2-vl',
      'phi3-v',
      'lfm2-vl',
    ];
    const real = join(import.meta.dirname, '..', 'testing', 'fixtures', 'smolvlm-256m-instruct');
    for (const dir of [...(await Promise.all(families.map((family) => testModelDir({ family })))), real]) {
      expect(configValueProblems(readModelJson(dir)), dir).toEqual([]);
    }
  }, 300_000);
});

describe('Git LFS pointers in place of graphs', () => {
  it('refuses a pointer decoder with what to do, before onnxruntime parses it', async () => {
    const dir = damaged('lfs-decoder', (d) =>
      writeFileSync(join(d, 'onnx/decoder_model_merged.onnx'), pointerText(123_456_789)),
    );
    const message =
      'onnx/decoder_model_merged.onnx is a Git LFS pointer (the real file is 123.5 MB): ' +
      `run "git lfs pull" in ${dir}, or download the model through Tessera.`;
    const error = await loadError(dir);
    expect(error.code).toBe('MODEL_FILE_MISSING');
    expect(error.message).toBe(message);
    expect(modelFolderProblem(dir)).toBe(message);
  });

  it('refuses a pointer embedder on the table-read path as well', async () => {
    const dir = damaged('lfs-embed', (d) =>
      writeFileSync(join(d, 'onnx/embed_tokens.onnx'), pointerText(9_000)),
    );
    const error = await loadError(dir);
    expect(error.message).toMatch(
      /^onnx\/embed_tokens\.onnx is a Git LFS pointer \(the real file is 9\.0 kB\)/,
    );
  });

  it('says nothing about a sound folder', () => {
    expect(modelFolderProblem(base)).toBeNull();
  });
});
