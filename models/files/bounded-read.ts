/**
 * Reading a local file Tessera did not write: the opened descriptor must be a regular file no larger than
 * the cap of its kind, and at most a page past the cap is ever read, so a file symlinked to /dev/zero, a FIFO, a
 * file that grows while read or a /proc-like file reporting size 0 fails in one line instead of filling memory.
 */
import { type Stats, closeSync, constants, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import { MAX_ATTACHMENT_BYTES } from '../../app/ipc/contract.ts';
import { type ErrorCode, TesseraError } from '../errors.ts';

const MiB = 1024 * 1024;
const PAGE = 4096;

interface FileLimit {
  maxBytes: number;
  /** What such a file is, for messages: "a model config is at most 4 MiB". */
  what: string;
  tooLarge: ErrorCode;
  notRegular: ErrorCode;
  /** What to do about it; `name` is the file's base name. */
  fix: (name: string) => string;
}

const replaceModelFile = (name: string) =>
  `Replace it with the model's real ${name}, or download the model again.`;

/** One cap per kind of file; real files sit far below them (the largest tokenizer.json seen is ~20 MB). */
export const FILE_LIMITS = {
  config: {
    maxBytes: 4 * MiB,
    what: 'a model config',
    tooLarge: 'MODEL_FILE_CORRUPT',
    notRegular: 'MODEL_FILE_CORRUPT',
    fix: replaceModelFile,
  },
  tokenizer: {
    maxBytes: 64 * MiB,
    what: 'a tokenizer file',
    tooLarge: 'MODEL_FILE_CORRUPT',
    notRegular: 'MODEL_FILE_CORRUPT',
    fix: replaceModelFile,
  },
  template: {
    maxBytes: 1 * MiB,
    what: 'a chat template',
    tooLarge: 'MODEL_FILE_CORRUPT',
    notRegular: 'MODEL_FILE_CORRUPT',
    fix: replaceModelFile,
  },
  manifest: {
    maxBytes: 4 * MiB,
    what: "Tessera's download manifest",
    tooLarge: 'MODEL_FILE_CORRUPT',
    notRegular: 'MODEL_FILE_CORRUPT',
    fix: () => 'Download the model again.',
  },
  image: {
    maxBytes: MAX_ATTACHMENT_BYTES,
    what: 'an image',
    tooLarge: 'IMAGE_TOO_LARGE',
    notRegular: 'IMAGE_INVALID',
    fix: () => 'Give a saved image file (PNG, JPEG, WebP or GIF).',
  },
} as const satisfies Record<string, FileLimit>;

export type FileKind = keyof typeof FILE_LIMITS;

/** The kind of a JSON or template file in a model folder, by its name. */
export function modelFileKind(name: string): FileKind {
  if (name === 'tokenizer.json' || name === 'tokenizer_config.json') return 'tokenizer';
  if (name.startsWith('chat_template')) return 'template';
  return 'config';
}

/** The whole file, checked as above. Errors opening it (ENOENT, EACCES) are Node's, unchanged. */
export function readBoundedSync(path: string, kind: FileKind): Buffer {
  const limit = FILE_LIMITS[kind];
  // O_NONBLOCK: opening a FIFO must not wait for a writer; fstat then refuses it.
  const fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  try {
    const into = new BoundedBuffer(path, limit, checkStats(path, fstatSync(fd), limit));
    for (;;) {
      const space = into.space();
      const n = readSync(fd, space, into.length, space.length - into.length, null);
      if (n === 0) return into.bytes();
      into.length += n;
    }
  } finally {
    closeSync(fd);
  }
}

export async function readBounded(path: string, kind: FileKind): Promise<Buffer> {
  const limit = FILE_LIMITS[kind];
  const handle = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  try {
    const into = new BoundedBuffer(path, limit, checkStats(path, await handle.stat(), limit));
    for (;;) {
      const space = into.space();
      const { bytesRead } = await handle.read(space, into.length, space.length - into.length, null);
      if (bytesRead === 0) return into.bytes();
      into.length += bytesRead;
    }
  } finally {
    await handle.close();
  }
}

/** The checks of readBoundedSync without reading: for a listing that must stay cheap. */
export function checkFileSync(path: string, kind: FileKind): void {
  checkStats(path, statSync(path), FILE_LIMITS[kind]);
}

/** The first `bytes` bytes of a regular file (fewer if it is shorter); null for anything else. */
export function readHeadSync(path: string, bytes: number): Buffer | null {
  const fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  try {
    if (!fstatSync(fd).isFile()) return null;
    const buffer = Buffer.alloc(bytes);
    return buffer.subarray(0, readSync(fd, buffer, 0, bytes, 0));
  } finally {
    closeSync(fd);
  }
}

/**
 * Throws unless `path` is a regular file (following links). For files read by others, such as ONNX graphs
 * onnxruntime opens by path: they may legitimately be gigabytes, but never a device or a pipe.
 */
export function requireRegularFile(path: string, what: string, code: ErrorCode): void {
  const stats = statSync(path);
  if (!stats.isFile()) {
    throw new TesseraError(
      code,
      `${path} is not a regular file (${nodeType(stats)}); ${what} must be a plain file.`,
    );
  }
}

function checkStats(path: string, stats: Stats, limit: FileLimit): number {
  const name = basename(path);
  if (!stats.isFile()) {
    throw new TesseraError(
      limit.notRegular,
      `${path} is not a regular file (${nodeType(stats)}); ${limit.what} must be a plain file. ${limit.fix(name)}`,
    );
  }
  if (stats.size > limit.maxBytes) throw tooLarge(path, limit, `is ${formatBytes(stats.size)}`);
  return stats.size;
}

function tooLarge(path: string, limit: FileLimit, size: string): TesseraError {
  return new TesseraError(
    limit.tooLarge,
    `${path} ${size}; ${limit.what} is at most ${formatCap(limit.maxBytes)}. ${limit.fix(basename(path))}`,
  );
}

/**
 * The bytes read so far, in a buffer that grows (doubling) up to one page past the cap: bytes past the cap show
 * a file larger than it said (growing, or /proc-like with size 0) and are never read further. A page rather than
 * one byte, because some /proc files refuse reads of odd lengths (pagemap: multiples of 8).
 */
class BoundedBuffer {
  private buffer: Buffer;
  length = 0;

  constructor(
    private readonly path: string,
    private readonly limit: FileLimit,
    reportedSize: number,
  ) {
    // Room for the reported size and one byte more, or 64 KiB where the size says nothing.
    this.buffer = Buffer.allocUnsafe(Math.min(this.ceiling, Math.max(reportedSize + 1, 64 * 1024)));
  }

  /** Where the next read goes; throws once more than the cap has arrived. */
  space(): Buffer {
    this.refuseOverCap();
    if (this.length === this.buffer.length) {
      const next = Buffer.allocUnsafe(Math.min(this.ceiling, this.buffer.length * 2));
      this.buffer.copy(next, 0, 0, this.length);
      this.buffer = next;
    }
    return this.buffer;
  }

  /** Everything read, at end of file. */
  bytes(): Buffer {
    this.refuseOverCap();
    return this.buffer.subarray(0, this.length);
  }

  private refuseOverCap(): void {
    if (this.length > this.limit.maxBytes) {
      throw tooLarge(this.path, this.limit, `is larger than ${formatCap(this.limit.maxBytes)}`);
    }
  }

  private get ceiling(): number {
    return this.limit.maxBytes + PAGE;
  }
}

function nodeType(stats: Stats): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device';
  if (stats.isFIFO()) return 'a pipe';
  if (stats.isSocket()) return 'a socket';
  return 'not a plain file';
}

/** 3.2 GB, 123.4 MB, 12.0 kB: decimal units, like the sizes the Hub shows. */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return unit === 0 ? `${value} bytes` : `${value.toFixed(1)} ${units[unit]}`;
}

/** Caps are whole binary units: "4 MiB". */
function formatCap(bytes: number): string {
  return bytes % MiB === 0 ? `${bytes / MiB} MiB` : formatBytes(bytes);
}
