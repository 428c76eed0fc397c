import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openStore } from './store.ts';
import { tempStore } from './testing/temp.ts';

const meta = { name: 'photo.png', mime: 'image/png', width: 640, height: 480 };
const bytes = new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10, 1, 2, 3]);
const sha = createHash('sha256').update(bytes).digest('hex');

afterEach(() => vi.restoreAllMocks());

describe('images', () => {
  it('stores bytes under their sha256 with metadata', () => {
    const { store, dir } = tempStore();
    expect(store.putImage(bytes, meta)).toEqual({ sha256: sha });
    expect(fs.readFileSync(path.join(dir, 'images', sha))).toEqual(Buffer.from(bytes));
    expect(store.getImageBytes(sha)).toEqual(bytes);
    expect(store.getImageMeta(sha)).toEqual({ sha256: sha, ...meta });
    expect(fs.readdirSync(path.join(dir, 'images'))).toEqual([sha]); // no temp file left
  });

  it('dedups identical bytes: one file, first metadata kept', () => {
    const { store, dir } = tempStore();
    store.putImage(bytes, meta);
    const write = vi.spyOn(fs, 'writeSync');
    expect(store.putImage(bytes, { ...meta, name: 'copy.png' })).toEqual({ sha256: sha });
    expect(write).not.toHaveBeenCalled();
    expect(store.getImageMeta(sha)?.name).toBe('photo.png');
    expect(fs.readdirSync(path.join(dir, 'images'))).toEqual([sha]);
    const other = store.putImage(new Uint8Array([9]), meta).sha256;
    expect(other).not.toBe(sha);
    expect(fs.readdirSync(path.join(dir, 'images')).sort()).toEqual([sha, other].sort());
  });

  it('writes under a temporary name and renames, so a crash leaves no partial file', () => {
    const { store, dir } = tempStore();
    const final = path.join(dir, 'images', sha);
    const written: string[] = [];
    const realWrite = fs.writeSync.bind(fs);
    vi.spyOn(fs, 'writeSync').mockImplementation(((fd: number, data: Uint8Array) => {
      // While bytes go out, nothing exists under the final name yet.
      expect(fs.existsSync(final)).toBe(false);
      written.push(...fs.readdirSync(path.join(dir, 'images')));
      return realWrite(fd, data);
    }) as typeof fs.writeSync);
    const fsync = vi.spyOn(fs, 'fsyncSync');
    // The crash: the process dies between writing and renaming.
    vi.spyOn(fs, 'renameSync').mockImplementationOnce(() => {
      throw new Error('killed');
    });
    expect(() => store.putImage(bytes, meta)).toThrow('killed');
    expect(written).toHaveLength(1);
    expect(written[0]).toMatch(new RegExp(`^${sha}\\..+\\.tmp$`));
    expect(fsync).toHaveBeenCalled();
    expect(fs.existsSync(final)).toBe(false);
    expect(store.getImageBytes(sha)).toBeNull();
    expect(store.getImageMeta(sha)).toBeNull(); // no row for a file that is not there

    // Next time round it works.
    store.putImage(bytes, meta);
    expect(store.getImageBytes(sha)).toEqual(bytes);
  });

  it('cleans up temporary files a crash left behind', () => {
    const { store, dir } = tempStore();
    store.close();
    const stale = path.join(dir, 'images', `${sha}.123.abcd.tmp`);
    fs.writeFileSync(stale, 'half an ima');
    openStore(dir).close();
    expect(fs.existsSync(stale)).toBe(false);
  });

  it('rewrites a file that went missing', () => {
    const { store, dir } = tempStore();
    store.putImage(bytes, meta);
    fs.rmSync(path.join(dir, 'images', sha));
    expect(store.getImageBytes(sha)).toBeNull();
    store.putImage(bytes, meta);
    expect(store.getImageBytes(sha)).toEqual(bytes);
  });

  it('answers null for unknown or malformed hashes, never reading outside the folder', () => {
    const { store } = tempStore();
    expect(store.getImageBytes('0'.repeat(64))).toBeNull();
    expect(store.getImageMeta('0'.repeat(64))).toBeNull();
    expect(store.getImageBytes('../tessera.db')).toBeNull();
    expect(store.getImageMeta('../tessera.db')).toBeNull();
    expect(store.getImageBytes(sha.toUpperCase())).toBeNull();
  });
});
