/**
 * One attempt at one file of a pinned commit: resume `<dest>.incomplete` with `Range`, stream the body into
 * it while hashing (file-sink.ts writes 1 MiB blocks while the sha256 worker, sha256.ts, hashes them),
 * check the size and hash, and rename into place. A transfer with no bytes for `stallMs` is aborted. Every
 * failure worth retrying is `retryable` (hub-errors.ts); hub-client.ts runs the attempts.
 */
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';
import { HashingFileSink } from './file-sink.ts';
import { describe, networkError, restartsFile, retryable } from './hub-errors.ts';
import type { Got, HubHttp } from './hub-http.ts';
import type { VerifiableFile } from './hub-listing.ts';
import type { DownloadFileOptions, Progress } from './hub-types.ts';
import { Sha256, type WorkerHash, gitBlobHash, gitBlobIdOfFile, sha256OfFile } from './sha256.ts';

/** Whether `dest` already holds the file (size and hash match), so there is nothing to download. */
export async function alreadyThere(dest: string, file: VerifiableFile): Promise<boolean> {
  const info = await stat(dest).catch(() => undefined);
  if (!info?.isFile() || info.size !== file.size) return false;
  if (file.sha256 !== undefined) return (await sha256OfFile(dest)) === file.sha256;
  return (await gitBlobIdOfFile(dest, file.size)) === file.blobId;
}

/** One request: resume from the partial file, stream to it while hashing, verify, rename. */
export async function attemptDownload(
  http: HubHttp,
  url: string,
  file: VerifiableFile,
  dest: string,
  options: DownloadFileOptions & { stallMs: number },
): Promise<void> {
  const partial = `${dest}.incomplete`;
  const offset = await resumeOffset(partial, file.size);
  const stall = stallGuard(options.stallMs, options.signal);
  try {
    const response = await http
      .get(url, offset > 0 ? { Range: `bytes=${offset}-` } : {}, stall.signal)
      .catch((error: unknown) => {
        throw stall.reason(error);
      });
    const from = await startOffset(http, response, file, partial, offset);
    await receiveVerified(response, file, dest, from, stall, options.onProgress);
    await rename(partial, dest);
  } catch (error) {
    if (restartsFile(error)) await rm(partial, { force: true });
    throw error;
  } finally {
    stall.clear();
  }
}

/** Where to resume: the partial file's length, or 0 (the partial file deleted) if it is too long. */
async function resumeOffset(partial: string, size: number): Promise<number> {
  const offset = (await stat(partial).catch(() => undefined))?.size ?? 0;
  if (offset <= size) return offset;
  await rm(partial, { force: true });
  return 0;
}

interface StallGuard {
  /** The caller's signal joined with the stall's. */
  signal: AbortSignal;
  /** Restarts the countdown: called once per network chunk. */
  touch(): void;
  /** The stall's error if the stall aborted the transfer, else `error`. */
  reason(error: unknown): unknown;
  clear(): void;
}

/** Aborts the transfer after `stallMs` without bytes. */
function stallGuard(stallMs: number, outer: AbortSignal | undefined): StallGuard {
  const stall = new AbortController();
  // refresh() restarts the countdown without a new timer: it runs once per network chunk.
  const timer = setTimeout(() => stall.abort(retryable(`no data for ${stallMs / 1000} s`)), stallMs);
  return {
    signal: outer ? AbortSignal.any([outer, stall.signal]) : stall.signal,
    touch: () => timer.refresh(),
    reason: (error) => (stall.signal.aborted ? stall.signal.reason : error),
    clear: () => clearTimeout(timer),
  };
}

/**
 * Where the body starts in the file: `offset` for a 206 whose range starts there, 0 for a 200 (the whole
 * file, whether or not we asked for a range). Anything else is an error; a 416 to a resume means our
 * partial file is as long as (or longer than) the file, so it is deleted and the next attempt starts over.
 */
async function startOffset(
  http: HubHttp,
  response: Got,
  file: VerifiableFile,
  partial: string,
  offset: number,
): Promise<number> {
  if (response.status === 416 && offset > 0) {
    response.cancel();
    await rm(partial, { force: true });
    throw retryable('the partial file did not match the remote file', { afterMs: 0 });
  }
  if (response.status !== 200 && response.status !== 206) throw http.statusError(response, file.path);
  if (response.status !== 206 || offset === 0) return 0;
  const range = /^bytes (\d+)-/.exec(response.header('content-range') ?? '');
  if (!range || Number(range[1]) !== offset) {
    response.cancel();
    throw retryable(`the server sent an unexpected range for ${file.path}`);
  }
  return offset;
}

/** Streams the body into the partial file from `from`, then checks its length and hash. */
async function receiveVerified(
  response: Got,
  file: VerifiableFile,
  dest: string,
  from: number,
  stall: StallGuard,
  onProgress: ((progress: Progress) => void) | undefined,
): Promise<void> {
  const partial = `${dest}.incomplete`;
  // An LFS file by its sha256; a git file by its blob id, whose header needs the size up front.
  const hash = file.sha256 !== undefined ? new Sha256() : gitBlobHash(file.size);
  try {
    const { handle, prefix } = await openPartial(partial, dest, from, hash);
    const sink = new HashingFileSink(handle, hash, from);
    let bytes: number;
    try {
      bytes = await receive(response.body, sink, {
        from,
        total: file.size,
        path: file.path,
        onChunk: stall.touch,
        failure: (error) => stall.reason(networkError(error, stall.signal)),
        onProgress,
      });
      await sink.finish();
    } catch (error) {
      await sink.abandon().catch(() => {}); // the first error is the one to report
      throw error;
    } finally {
      response.cancel(); // a no-op once the body has ended; otherwise frees the connection
      await handle.close();
    }
    if (bytes !== file.size) throw retryable(`${file.path} ended after ${bytes} of ${file.size} bytes`);
    await prefix.catch((error: unknown) => {
      throw retryable(`could not read back ${partial}: ${describe(error)}`, { afterMs: 0, restart: true });
    });
    await checkDigest(hash, file, partial);
  } finally {
    hash.dispose();
  }
}

/**
 * Opens the partial file for the body. Resuming, the bytes we already have are hashed once, on the hash
 * worker while the stream starts (`prefix`); from 0, any partial data is discarded.
 */
async function openPartial(
  partial: string,
  dest: string,
  from: number,
  hash: WorkerHash,
): Promise<{ handle: FileHandle; prefix: Promise<void> }> {
  if (from === 0) {
    await mkdir(dirname(dest), { recursive: true });
    return { handle: await open(partial, 'w'), prefix: Promise.resolve() };
  }
  const prefix = hash.updateFromFile(partial, from);
  prefix.catch(() => {}); // awaited after the body; a failure must not go unhandled meanwhile
  return { handle: await open(partial, 'r+'), prefix };
}

async function checkDigest(hash: WorkerHash, file: VerifiableFile, partial: string): Promise<void> {
  const check = file.sha256 !== undefined ? 'sha256' : 'git blob id';
  const expected = file.sha256 ?? file.blobId;
  const actual = await hash.digest();
  if (actual === expected) return;
  await rm(partial, { force: true });
  throw retryable(`${file.path} failed its ${check} check (expected ${expected}, got ${actual})`);
}

/**
 * Pushes a response body into the sink and returns the file's length so far (`from` plus the bytes read).
 * A read error becomes `failure(error)`; more bytes than `total` is a retryable error that restarts the file.
 */
async function receive(
  body: Readable,
  sink: HashingFileSink,
  options: {
    from: number;
    total: number | undefined;
    path: string;
    onChunk: () => void;
    failure: (error: unknown) => unknown;
    onProgress?: ((progress: Progress) => void) | undefined;
  },
): Promise<number> {
  const { total, onProgress } = options;
  let bytes = options.from;
  onProgress?.({ bytes, total });
  const chunks = (body as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  for (;;) {
    let next: IteratorResult<Buffer>;
    try {
      next = await chunks.next();
    } catch (error) {
      throw options.failure(error);
    }
    if (next.done) return bytes;
    options.onChunk();
    const chunk = next.value;
    if (total !== undefined && bytes + chunk.byteLength > total) {
      throw retryable(`the server sent more than ${total} bytes for ${options.path}`, {
        afterMs: 0,
        restart: true,
      });
    }
    await sink.push(chunk);
    bytes += chunk.byteLength;
    onProgress?.({ bytes, total });
  }
}
