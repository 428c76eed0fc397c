/**
 * The Hub client's failures, all TesseraErrors: `retryable` ones are worth another attempt (hub-retry.ts
 * decides), the rest are final HUB_ERRORs. `statusError` sorts an HTTP status into them.
 */
import { TesseraError } from '../../app/errors.ts';

/** Retryable errors whose partial file is wrong, not just short (kept here: only file-attempt.ts asks). */
const restarting = new WeakSet<TesseraError>();
/** Retryable errors where nothing listens at the address: worth one quick retry, not the full backoff. */
const refusedErrors = new WeakSet<TesseraError>();

/** A failure worth another attempt (network, 5xx, 429, stall, bad bytes); out of attempts, a HUB_ERROR. */
export function retryable(
  message: string,
  options: { afterMs?: number; restart?: boolean } = {},
): TesseraError {
  const error = new TesseraError('HUB_ERROR', message, { retryable: true, retryAfterMs: options.afterMs });
  if (options.restart) restarting.add(error);
  return error;
}

/** Whether `error` is worth another attempt: ours, or fetch's network failure (a TypeError). */
export function isRetryable(error: unknown): boolean {
  return (error instanceof TesseraError && error.retryable) || error instanceof TypeError;
}

/** The partial file is wrong, not just short: delete it so the next attempt starts from byte 0. */
export function restartsFile(error: unknown): boolean {
  return error instanceof TesseraError && restarting.has(error);
}

/** Nothing listened at the address (connection refused): hub-retry.ts retries it once, quickly. */
export function isRefused(error: unknown): boolean {
  return error instanceof TesseraError && refusedErrors.has(error);
}

/** A final Hub failure: a bad repo id or listing, a refusal (401, 403, 404…), retries used up. */
export function hubError(message: string): TesseraError {
  return new TesseraError('HUB_ERROR', message);
}

/** An error's message with its cause's code (ECONNRESET…), which is often the useful part. */
export function describe(error: unknown): string {
  const e = error as { message?: string; cause?: { code?: string; message?: string } };
  const cause = e.cause?.code ?? e.cause?.message;
  return cause ? `${e.message ?? String(error)} (${cause})` : (e.message ?? String(error));
}

/** Connection failures in words; the code stays in the message when it is not one of these. */
const CONNECT_FAILURES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  ETIMEDOUT: 'connection timed out',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
};

/** The first error code in the error and its causes (fetch wraps undici's error in a TypeError). */
function errorCode(error: unknown): { code?: string; address?: string; port?: number } {
  for (let e = error as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; depth++) {
    if (typeof e.code === 'string' && e.code in CONNECT_FAILURES) return e as { code: string };
    e = e.cause as typeof e;
  }
  return {};
}

/** The origin of `url` (scheme, host and port) and its port (the scheme's default if none). */
function parts(url: string): { origin: string; port?: number } {
  try {
    const u = new URL(url);
    return { origin: u.origin, port: u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80 };
  } catch {
    return { origin: url };
  }
}

/**
 * fetch fails with a TypeError and request() with undici's own errors (SocketError, ConnectTimeoutError…),
 * which withRetries would treat as fatal: a network failure becomes retryable, unless the caller aborted.
 * When the connection could not be made the message names the address ("Could not connect to
 * http://127.0.0.1:9 (connection refused)"), and a refused one is retried only once, quickly.
 */
export function networkError(error: unknown, signal: AbortSignal | undefined, url?: string): unknown {
  if (signal?.aborted || error instanceof TesseraError) return error;
  const { code, address, port } = errorCode(error);
  if (!code || url === undefined) return retryable(describe(error));
  const where = parts(url);
  // Through a proxy, the address refused is the proxy's rather than the Hub's (another port): name it too.
  const at =
    address !== undefined && port !== undefined && port !== where.port
      ? ` at ${address.includes(':') ? `[${address}]` : address}:${port}`
      : '';
  const failure = retryable(`Could not connect to ${where.origin} (${CONNECT_FAILURES[code]}${at})`);
  if (code === 'ECONNREFUSED') refusedErrors.add(failure);
  return failure;
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
): TesseraError {
  if (status === 429 || status === 408 || status >= 500) {
    return retryable(`The Hub answered ${status} for ${what}`, { afterMs: retryAfterMs(retryAfter) });
  }
  if (status === 401 || status === 403) {
    return hubError(`${what} needs an access token with access to it (HTTP ${status}).`);
  }
  if (status === 404) return hubError(`${what} was not found on ${endpoint} (HTTP 404).`);
  return hubError(`The Hub answered ${status} for ${what}.`);
}
