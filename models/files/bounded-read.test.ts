/**
 * Bounded reads against real files of every awkward kind: a link to /dev/zero, a FIFO, a directory, a sparse
 * 5 GB file, and /proc/self/pagemap (a "regular" file that reports size 0 and reads on for gigabytes).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TesseraError } from '../errors.ts';
import { type FileKind, checkFileSync, readBounded, readBoundedSync, readHeadSync } from './bounded-read.ts';

const scratch = mkdtempSync(join(tmpdir(), 'tessera-bounded-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The error of both variants, which must agree; each must also come back fast (no reading to the end). */
async function failure(path: string, kind: FileKind): Promise<TesseraError> {
  const started = performance.now();
  let sync: unknown;
  try {
    readBoundedSync(path, kind);
  } catch (error) {
    sync = error;
  }
  const async = await readBounded(path, kind).then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(performance.now() - started).toBeLessThan(2000);
  expect(sync).toBeInstanceOf(TesseraError);
  expect((async as Error).message).toBe((sync as Error).message);
  expect((sync as Error).message).not.toContain('\n');
  return sync as TesseraError;
}

describe('bounded reads', () => {
  it('reads a regular file whole, sync and async', async () => {
    const path = join(scratch, 'config.json');
    writeFileSync(path, '{"model_type": "smolvlm"}');
    expect(readBoundedSync(path, 'config').toString()).toBe('{"model_type": "smolvlm"}');
    expect((await readBounded(path, 'config')).toString()).toBe('{"model_type": "smolvlm"}');
    expect(readHeadSync(path, 5)?.toString()).toBe('{"mod');
  });

  it('refuses a link to /dev/zero as a device, naming the file and what it should be', async () => {
    const path = join(scratch, 'tokenizer.json');
    symlinkSync('/dev/zero', path);
    const error = await failure(path, 'tokenizer');
    expect(error.code).toBe('MODEL_FILE_CORRUPT');
    expect(error.message).toBe(
      `${path} is not a regular file (a device); a tokenizer file must be a plain file. ` +
        "Replace it with the model's real tokenizer.json, or download the model again.",
    );
    expect(() => checkFileSync(path, 'tokenizer')).toThrow(/not a regular file \(a device\)/);
  });

  it('refuses a FIFO without waiting for a writer, and a directory', async () => {
    const fifo = join(scratch, 'preprocessor_config.json');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    expect((await failure(fifo, 'config')).message).toMatch(
      /preprocessor_config\.json is not a regular file \(a pipe\)/,
    );
    const dir = join(scratch, 'chat_template.jinja');
    mkdirSync(dir);
    expect((await failure(dir, 'template')).message).toMatch(
      /chat_template\.jinja is not a regular file \(a directory\)/,
    );
  });

  it('refuses a file over its cap by its size, without reading it', async () => {
    const path = join(scratch, 'big-config.json');
    writeFileSync(path, '');
    truncateSync(path, 5 * 1000 ** 3); // sparse: no disk used
    const error = await failure(path, 'config');
    expect(error.message).toBe(
      `${path} is 5.0 GB; a model config is at most 4 MiB. ` +
        "Replace it with the model's real big-config.json, or download the model again.",
    );
  });

  it('stops at the cap when a file reports size 0 and reads on (/proc/self/pagemap)', async () => {
    const error = await failure('/proc/self/pagemap', 'template');
    expect(error.message).toMatch(
      /^\/proc\/self\/pagemap is larger than 1 MiB; a chat template is at most 1 MiB\./,
    );
    // A small size-0 file is read whole all the same.
    expect(readBoundedSync('/proc/self/status', 'config').toString()).toMatch(/^Name:/);
  });

  it('gives images their own codes and the attachment cap', async () => {
    expect((await failure('/dev/zero', 'image')).code).toBe('IMAGE_INVALID');
    const path = join(scratch, 'huge.png');
    writeFileSync(path, '');
    truncateSync(path, 41 * 1024 * 1024);
    const error = await failure(path, 'image');
    expect(error.code).toBe('IMAGE_TOO_LARGE');
    expect(error.message).toMatch(/huge\.png is 43\.0 MB; an image is at most 40 MiB\./);
  });
});
