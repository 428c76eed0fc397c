/**
 * Reads an answer meant to be small (a repo's file list, a config file) into memory, up to a limit. A
 * broken or hostile server answering with gigabytes would otherwise grow the process (in the app, the main
 * process) until V8 gives up on the string. Content-Length is checked before any byte is read, and the
 * bytes are counted as they arrive, since a chunked answer states no length. Past the limit the response
 * is aborted: nothing more is read.
 */
import type { Response } from 'undici';

const MiB = 1024 * 1024;

export interface BodyLimit {
  bytes: number;
  /** What such an answer is, for the error: "a file list". */
  kind: string;
}

/** A repo's file list with sizes and hashes: about 200 bytes a file, so room for 150,000 files. */
export const LISTING_LIMIT: BodyLimit = { bytes: 32 * MiB, kind: 'a file list' };

/** A JSON or text file read whole for inspection (config.json is a few kB). */
export const TEXT_FILE_LIMIT: BodyLimit = { bytes: 16 * MiB, kind: 'a config file' };

export function formatLimit(limit: BodyLimit): string {
  return limit.bytes % MiB === 0 ? `${limit.bytes / MiB} MiB` : `${limit.bytes} bytes`;
}

/**
 * The body as UTF-8 text (a BOM dropped, as `response.text()` does). Over the limit, `abort()` is called
 * (it must end the request: the caller's AbortController) and `tooLarge()`'s error is thrown.
 */
export async function readBoundedText(
  response: Response,
  limit: BodyLimit,
  abort: () => void,
  tooLarge: () => Error,
): Promise<string> {
  const stated = Number(response.headers.get('content-length') ?? NaN);
  if (Number.isFinite(stated) && stated > limit.bytes) {
    abort();
    throw tooLarge();
  }
  const reader = response.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    received += value.byteLength;
    if (received > limit.bytes) {
      reader.cancel().catch(() => {}); // the abort below is what ends the connection
      abort();
      throw tooLarge();
    }
    chunks.push(value);
  }
  return new TextDecoder('utf-8').decode(Buffer.concat(chunks, received));
}
