/** JSON files Tessera did not write: errors give the file and the position, never the text. */
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TesseraError } from '../errors.ts';
import { readJsonObjectSync } from './json-file.ts';
import { jsonErrorPosition } from './json-position.ts';

const scratch = mkdtempSync(join(tmpdir(), 'tessera-json-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function errorOf(run: () => unknown): TesseraError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(TesseraError);
    return error as TesseraError;
  }
  throw new Error('expected an error');
}

describe('JSON files', () => {
  it('reports a config linked to /etc/passwd by position, without its content', () => {
    const path = join(scratch, 'config.json');
    symlinkSync('/etc/passwd', path);
    const error = errorOf(() => readJsonObjectSync(path, 'config'));
    expect(error.code).toBe('MODEL_FILE_CORRUPT');
    expect(error.message).toBe(
      `${path} is not valid JSON (at line 1, column 1). Replace it with the model's real config.json, or download the model again.`,
    );
    expect(error.message).not.toContain('root:');
  });

  it('finds the position of the first error on any line', () => {
    expect(jsonErrorPosition('{"a": 1, "b": [true, false, null, -1.5e3, "x\\u00e9"]}')).toBeNull();
    expect(jsonErrorPosition('{"a" 1}')).toEqual({ line: 1, column: 6 });
    expect(jsonErrorPosition('{\n  "a": 1,\n  "b": secret\n}')).toEqual({ line: 3, column: 8 });
    expect(jsonErrorPosition('[1, 2,]')).toEqual({ line: 1, column: 7 });
    expect(jsonErrorPosition('{"a": "unterminated')).toEqual({ line: 1, column: 20 });
    expect(jsonErrorPosition('{"a": 1} trailing')).toEqual({ line: 1, column: 10 });
    expect(jsonErrorPosition('')).toEqual({ line: 1, column: 1 });
  });

  it('names what a valid JSON file holds when it is not an object', () => {
    const path = join(scratch, 'list.json');
    writeFileSync(path, '["root:x:0:0"]');
    const error = errorOf(() => readJsonObjectSync(path, 'config'));
    expect(error.message).toBe(`${path} is not a JSON object (it holds a list).`);
  });

  it('recognises a Git LFS pointer in place of the JSON', () => {
    const path = join(scratch, 'tokenizer.json');
    writeFileSync(
      path,
      `version https://git-lfs.github.com/spec/v1\noid sha256:${'ab'.repeat(32)}\nsize 17123456\n`,
    );
    const error = errorOf(() => readJsonObjectSync(path, 'tokenizer'));
    expect(error.code).toBe('MODEL_FILE_MISSING');
    expect(error.message).toBe(
      `tokenizer.json is a Git LFS pointer (the real file is 17.1 MB): run "git lfs pull" in ${scratch}, or download the model through Tessera.`,
    );
  });
});
