/**
 * An ONNX graph file is checked before onnxruntime (or the decoder rewrite) opens it: a regular file, not a
 * Git LFS pointer, and its external data beside it (`<graph>_data`) not a pointer either. Graphs may be
 * gigabytes, so nothing is capped and only pointer-sized files are read at all.
 */
import { existsSync } from 'node:fs';
import { relative } from 'node:path';
import { requireRegularFile } from './bounded-read.ts';
import { refuseLfsPointer } from './lfs-pointer.ts';

/** `path` is a graph inside the model folder `dir`; a missing file is left to the caller's own error. */
export function checkGraphFile(dir: string, path: string): void {
  for (const file of [path, `${path}_data`]) {
    if (!existsSync(file)) continue;
    requireRegularFile(file, 'an ONNX graph', 'MODEL_FILE_CORRUPT');
    refuseLfsPointer(dir, relative(dir, file));
  }
}
