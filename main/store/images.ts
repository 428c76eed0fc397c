/**
 * Content-addressed image files: `<dir>/<sha256>`. A file is written under a temporary name, flushed, and
 * renamed, so a crash leaves either nothing or the whole file under the final name (rename is atomic).
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const TEMP_SUFFIX = '.tmp';
const SHA256 = /^[0-9a-f]{64}$/;

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function isSha256(value: string): boolean {
  return SHA256.test(value);
}

export class ImageFiles {
  constructor(readonly dir: string) {
    fs.mkdirSync(dir, { recursive: true });
    // Leftovers of writes a crash interrupted; never referenced by anything.
    for (const name of fs.readdirSync(dir)) {
      if (name.endsWith(TEMP_SUFFIX)) fs.rmSync(path.join(dir, name), { force: true });
    }
  }

  pathOf(sha256: string): string {
    // The pattern check also keeps a caller's string from naming a path outside the folder.
    if (!isSha256(sha256)) throw new Error(`Not a sha256: ${sha256}`);
    return path.join(this.dir, sha256);
  }

  has(sha256: string): boolean {
    return fs.existsSync(this.pathOf(sha256));
  }

  /** Writes the file unless it is already there (same name, same content). */
  write(sha256: string, bytes: Uint8Array): void {
    const target = this.pathOf(sha256);
    if (fs.existsSync(target)) return;
    const temp = `${target}.${process.pid}.${randomBytes(4).toString('hex')}${TEMP_SUFFIX}`;
    try {
      const fd = fs.openSync(temp, 'wx');
      try {
        fs.writeSync(fd, bytes);
        // Data on disk before the rename, or a power cut could leave an empty file under the final name.
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      fs.renameSync(temp, target);
      syncDir(this.dir);
    } catch (error) {
      fs.rmSync(temp, { force: true });
      throw error;
    }
  }

  /** Deletes the file, if there is one. */
  remove(sha256: string): void {
    fs.rmSync(this.pathOf(sha256), { force: true });
    syncDir(this.dir);
  }

  read(sha256: string): Uint8Array | null {
    if (!isSha256(sha256)) return null;
    try {
      const data = fs.readFileSync(this.pathOf(sha256));
      return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }
}

/** Makes a rename durable across power loss where the platform allows it (not on Windows). */
function syncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Best effort: the file itself is already complete on disk.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
