/**
 * Git LFS pointer files: what a repository cloned without git-lfs holds in place of its large files. A pointer
 * is ~130 bytes of text (`version https://git-lfs.github.com/spec/v1`, `oid sha256:…`, `size N`); onnxruntime
 * reads one as a broken graph ("Protobuf parsing failed"), so Tessera says what it is and what to do.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { TesseraError } from '../errors.ts';
import { formatBytes, readHeadSync } from './bounded-read.ts';

/** Pointers are well under this; a larger file is never read to find out. */
export const MAX_POINTER_BYTES = 1024;

const POINTER = /^version https:\/\/git-lfs\.github\.com\/spec\/v1\n(?:[a-z0-9.-]+ [^\n]*\n)*$/;

/** The size of the real file a pointer stands for, or null when `text` is not a pointer. */
export function parseLfsPointer(text: string): { size: number } | null {
  if (!POINTER.test(text)) return null;
  const size = /^size (\d+)$/m.exec(text);
  return size ? { size: Number(size[1]) } : null;
}

/** The pointer at `path` (a small regular file whose text is one), else null; unreadable files are null too. */
export function lfsPointerAt(path: string): { size: number } | null {
  const stats = statSync(path, { throwIfNoEntry: false });
  if (!stats?.isFile() || stats.size > MAX_POINTER_BYTES) return null;
  try {
    const head = readHeadSync(path, MAX_POINTER_BYTES);
    return head ? parseLfsPointer(head.toString('utf8')) : null;
  } catch {
    return null;
  }
}

/** `file` is relative to the model folder `dir`. */
export function lfsPointerMessage(dir: string, file: string, size: number): string {
  return (
    `${file} is a Git LFS pointer (the real file is ${formatBytes(size)}): ` +
    `run "git lfs pull" in ${dir}, or download the model through Tessera.`
  );
}

/** Throws MODEL_FILE_MISSING when `dir/file` is a pointer rather than the file itself. */
export function refuseLfsPointer(dir: string, file: string): void {
  const pointer = lfsPointerAt(join(dir, file));
  if (pointer) throw new TesseraError('MODEL_FILE_MISSING', lfsPointerMessage(dir, file, pointer.size));
}

/** The pointers among a model folder's top-level files and those under onnx/, with their real sizes. */
export function lfsPointersIn(dir: string): Array<{ file: string; size: number }> {
  const found: Array<{ file: string; size: number }> = [];
  for (const sub of ['', 'onnx']) {
    let names: string[];
    try {
      names = readdirSync(join(dir, sub));
    } catch {
      continue;
    }
    for (const name of names.sort()) {
      const file = sub ? `${sub}/${name}` : name;
      const pointer = lfsPointerAt(join(dir, file));
      if (pointer) found.push({ file, size: pointer.size });
    }
  }
  return found;
}
