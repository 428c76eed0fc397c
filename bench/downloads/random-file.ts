/**
 * The file the downloads suite serves: deterministic pseudo-random bytes, generated once into .cache/bench/
 * with its sha256 beside it, and read once more before the runs so each finds it in the page cache.
 */
import { createCipheriv, createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readFile, rename, stat, statfs, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatBytes } from '../lib.ts';

export const CACHE = join(fileURLToPath(new URL('../../', import.meta.url)), '.cache', 'bench');

export interface RandomFile {
  path: string;
  size: number;
  sha256: string;
  seed: string;
}

const cachePath = (size: number, seed: string) =>
  join(CACHE, `random-${size}-${seed.replace(/\W+/g, '_')}.bin`);

/** The file of `size` bytes for `seed` if it was generated before. */
export async function cached(size: number, seed: string): Promise<RandomFile | undefined> {
  const path = cachePath(size, seed);
  const meta = (await readFile(`${path}.json`, 'utf8').then(JSON.parse, () => undefined)) as
    RandomFile | undefined;
  const info = await stat(path).catch(() => undefined);
  return meta && info?.size === size && meta.size === size ? { ...meta, path } : undefined;
}

/**
 * The file of `size` bytes for `seed`: an AES-256-CTR keystream (key = sha256 of the seed), so it is
 * incompressible, the same on every machine, and written at disk speed. Hashed while written.
 */
export async function randomFile(
  size: number,
  seed: string,
  log: (line: string) => void,
): Promise<RandomFile> {
  const have = await cached(size, seed);
  if (have) return have;
  const path = cachePath(size, seed);
  log(`generating ${formatBytes(size)} of pseudo-random bytes into ${path} (once)…`);
  const began = performance.now();
  const key = createHash('sha256').update(`tessera-bench:${seed}`).digest();
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  const hash = createHash('sha256');
  const zeros = Buffer.alloc(16 * 2 ** 20);
  const handle = await open(`${path}.tmp`, 'w');
  try {
    for (let written = 0; written < size;) {
      const n = Math.min(zeros.length, size - written);
      const block = cipher.update(n === zeros.length ? zeros : zeros.subarray(0, n));
      hash.update(block);
      await handle.write(block);
      written += n;
    }
    await handle.sync(); // so its writeback does not land in the middle of a measured run
  } finally {
    await handle.close();
  }
  const file: RandomFile = { path, size, sha256: hash.digest('hex'), seed };
  await rename(`${path}.tmp`, path);
  await writeFile(`${path}.json`, `${JSON.stringify({ size, sha256: file.sha256, seed })}\n`);
  log(
    `generated in ${((performance.now() - began) / 1000).toFixed(1)} s, sha256 ${file.sha256.slice(0, 16)}…`,
  );
  return file;
}

/** Reads the file once so every measured run finds it in the page cache. */
export async function warm(path: string): Promise<number> {
  const began = performance.now();
  for await (const _ of createReadStream(path, { highWaterMark: 2 ** 20 }));
  return performance.now() - began;
}

export async function freeBytes(dir: string): Promise<number> {
  const info = await statfs(dir);
  return info.bavail * info.bsize;
}
