/** A download's files on disk: how much of a plan is already there; deleting a cancelled one's partials. */
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { DownloadFile } from '../../app/ipc/contract.ts';
import { isModelComplete } from './download-model.ts';

/**
 * The plan's files as a job shows them, with how much of each is already in `dir`: a whole file, or the
 * partial `.incomplete` one. `onDisk` hears each file's bytes as soon as they are known.
 */
export async function filesOnDisk(
  dir: string,
  plan: readonly { path: string; size: number }[],
  onDisk: (path: string, bytes: number) => void,
): Promise<DownloadFile[]> {
  const files: DownloadFile[] = [];
  for (const file of plan) {
    const path = join(dir, ...file.path.split('/'));
    const whole = (await stat(path).catch(() => undefined))?.size === file.size;
    const partial = whole
      ? file.size
      : ((await stat(`${path}.incomplete`).catch(() => undefined))?.size ?? 0);
    const bytes = Math.min(partial, file.size);
    onDisk(file.path, bytes);
    files.push({ path: file.path, bytes, total: file.size, done: whole });
  }
  return files;
}

/**
 * A cancelled job's partial files: the whole model folder when it holds no complete model, else only the
 * `.incomplete` files, so a complete model of another commit or variant survives.
 */
export async function deletePartialFiles(dir: string): Promise<void> {
  if (await isModelComplete(dir)) await removeIncomplete(dir);
  else await rm(dir, { recursive: true, force: true });
}

async function removeIncomplete(dir: string): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith('.incomplete')) await rm(join(entry.parentPath, entry.name));
  }
}
