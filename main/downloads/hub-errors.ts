/**
 * The Hub client's failures: `RetryableError` is worth another attempt (hub-retry.ts decides), `HubError`
 * is final, `DownloadError` is one the user can fix. `statusError` sorts an HTTP status into them.
 */

/** A failure worth another attempt (network, 5xx, 429, stall, bad bytes). */
export class RetryableError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
    /** The partial file is wrong, not just short: delete it so the next attempt starts from byte 0. */
    readonly restart = false,
  ) {
    super(message);
  }
}

export class HubError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

export type DownloadErrorCode = 'DISK_FULL' | 'NO_SUCH_VARIANT' | 'NOT_ONNX_LAYOUT';

/** A download that cannot go ahead for a reason the user can fix (space, variant, repo layout). */
export class DownloadError extends Error {
  constructor(
    readonly code: DownloadErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'DownloadError';
  }
}

/** An error's message with its cause's code (ECONNRESET…), which is often the useful part. */
export function describe(error: unknown): string {
  const e = error as { message?: string; cause?: { code?: string; message?: string } };
  const cause = e.cause?.code ?? e.cause?.message;
  return cause ? `${e.message ?? String(error)} (${cause})` : (e.message ?? String(error));
}

/**
 * request() fails with undici's own errors (SocketError, ConnectTimeoutError…), not fetch's TypeError, so
 * withRetries would treat them as fatal: a network failure becomes retryable, unless the caller aborted.
 */
export function networkError(error: unknown, signal: AbortSignal): unknown {
  if (signal.aborted || error instanceof RetryableError || error instanceof HubError) return error;
  return new RetryableError(describe(error));
}

/** `Retry-After` as seconds or an HTTP date, in ms from now. */
function retryAfterMs(header: string | null): number | undefined {
  const seconds = header === null ? NaN : Number(header);
  const at = header === null ? NaN : Date.parse(header);
  if (Number.isFinite(seconds)) return seconds * 1000;
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : undefined;
}

/** The error for an unsuccessful status: 429, 408 and 5xx are retried; the rest are final. */
export function statusError(
  status: number,
  retryAfter: string | null,
  what: string,
  endpoint: string,
): RetryableError | HubError {
  if (status === 429 || status === 408 || status >= 500) {
    return new RetryableError(`The Hub answered ${status} for ${what}`, retryAfterMs(retryAfter));
  }
  if (status === 401 || status === 403) {
    return new HubError(`${what} needs an access token with access to it (HTTP ${status}).`, status);
  }
  if (status === 404) return new HubError(`${what} was not found on ${endpoint} (HTTP 404).`, status);
  return new HubError(`The Hub answered ${status} for ${what}.`, status);
}
