/** Helpers shared by the downloader's test suites: polling, file sizes and byte-for-byte folder checks. */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { filesUnder } from '../hub/local-hub.ts';
import { MANIFEST } from './download-model.ts';

/** Size of a file, 0 while it does not exist. */
export const sizeOf = (path: string): number => (existsSync(path) ? statSync(path).size : 0);

/** Polls `check` every 10 ms; throws naming `what` after `ms`. */
export async function until(check: () => boolean, what: string, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** `dir` holds exactly the files of `source` (plus Tessera's manifest), byte for byte. */
export async function expectSameFiles(dir: string, source: string): Promise<void> {
  const want = await filesUnder(source);
  expect((await filesUnder(dir)).filter((f) => f !== MANIFEST)).toEqual(want);
  for (const file of want)
    expect(readFileSync(join(dir, file)).equals(readFileSync(join(source, file))), file).toBe(true);
}
