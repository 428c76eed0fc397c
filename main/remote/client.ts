/**
 * The HTTP client for remote OpenAI-compatible servers: the official `openai` package, configured so every
 * wait is bounded and Tessera decides about retries itself.
 *
 * The SDK's own retries are off (`maxRetries: 0`): it retries 408/409/429/5xx and failed connections with
 * its own backoff, and ignores a `Retry-After` over 60 s (it waits its backoff instead, so a server asking
 * for five minutes gets hammered). `withRetries` honours `retry-after-ms` / `Retry-After` up to a bound
 * and, past it, fails at once with a retryable REMOTE_BUSY that says when to try again. The SDK's
 * `timeout` only covers the wait for response headers; the stream's own deadlines are in remote-chat.ts.
 */
import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { TesseraError } from '../../app/errors.ts';

export interface RemoteEndpoint {
  /** For messages: the server's display name. */
  name: string;
  baseUrl: string;
  apiKey: string | null;
}

export interface RetryPolicy {
  /** Retries of a 429 or 5xx before giving up (the first attempt is not counted). */
  retries: number;
  /** The longest `Retry-After` Tessera waits; a longer one fails at once, saying when to retry. */
  maxWaitMs: number;
  /** The wait before a retry when the server names none: doubled each time. */
  backoffMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 3, maxWaitMs: 30_000, backoffMs: 1_000 };

/**
 * The most a server may send for one response (a model list, a streamed answer): a server streaming without
 * end, or one line without a newline that the SDK's line decoder would buffer whole, is cut off here.
 */
export const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

export function createClient(
  endpoint: RemoteEndpoint,
  timeoutMs: number,
  maxBytes = MAX_RESPONSE_BYTES,
): OpenAI {
  return new OpenAI({
    fetch: boundedFetch(maxBytes),
    baseURL: endpoint.baseUrl,
    // The SDK refuses to start without a key; servers without auth ignore the header.
    apiKey: endpoint.apiKey ?? 'none',
    maxRetries: 0,
    timeout: timeoutMs,
    // Its logger prints malformed events and retries to the console; Tessera reports them itself.
    logLevel: 'off',
  });
}

/** fetch, with each response body cut off (as an error) past `maxBytes`. */
function boundedFetch(maxBytes: number): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    if (!response.body) return response;
    let seen = 0;
    const counted = response.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          seen += chunk.byteLength;
          if (seen > maxBytes) {
            const limit = maxBytes >= 1024 * 1024 ? `${maxBytes / 1024 / 1024} MiB` : `${maxBytes} bytes`;
            controller.error(new Error(`the response passed ${limit} and was cut off`));
          } else controller.enqueue(chunk);
        },
      }),
    );
    return new Response(counted, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };
}

/**
 * Runs `attempt` (one HTTP request up to its response headers) and retries it after a 429 or 5xx as the
 * policy allows, waiting what the server asks (bounded). The wait ends at once when `signal` aborts.
 */
export async function withRetries<T>(
  endpoint: RemoteEndpoint,
  policy: RetryPolicy,
  signal: AbortSignal | undefined,
  attempt: () => Promise<T>,
): Promise<T> {
  for (let retry = 0; ; retry++) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof APIError) || error.status === undefined || !retryableStatus(error.status)) {
        throw toRemoteError(endpoint, error);
      }
      const asked = retryAfterMs(error.headers);
      if (asked !== null && asked > policy.maxWaitMs) {
        const when = new Date(Date.now() + asked).toISOString().slice(11, 19);
        throw new TesseraError(
          'REMOTE_BUSY',
          `${endpoint.name} is busy (${error.status}) and asked to wait ${Math.ceil(asked / 1000)} s, ` +
            `longer than Tessera waits (${policy.maxWaitMs / 1000} s). Retry after ${when} UTC.`,
          { retryable: true, retryAfterMs: asked, cause: error },
        );
      }
      if (retry >= policy.retries) {
        throw new TesseraError(
          'REMOTE_BUSY',
          `${endpoint.name} answered ${error.status} ${reasonOf(error)} ${retry + 1} times. Retry in a while.`,
          { retryable: true, cause: error },
        );
      }
      await sleep(asked ?? policy.backoffMs * 2 ** retry, signal);
    }
  }
}

function retryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/** `retry-after-ms`, else `Retry-After` (seconds or an HTTP date), in ms; null when there is neither. */
export function retryAfterMs(headers: Headers | undefined): number | null {
  const ms = Number.parseFloat(headers?.get('retry-after-ms') ?? '');
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const value = headers?.get('retry-after');
  if (!value) return null;
  const seconds = Number.parseFloat(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : null;
}

/** Any failure talking to a server, as a TesseraError naming the server and saying what to do. */
export function toRemoteError(endpoint: RemoteEndpoint, error: unknown): TesseraError {
  if (error instanceof TesseraError) return error;
  const at = `${endpoint.name} (${endpoint.baseUrl})`;
  if (error instanceof APIUserAbortError) return new TesseraError('ABORTED', 'Stopped.', { cause: error });
  if (error instanceof APIConnectionTimeoutError) {
    return new TesseraError(
      'REMOTE_UNREACHABLE',
      `${at} did not answer in time. Check that it is running, then retry.`,
      {
        retryable: true,
        cause: error,
      },
    );
  }
  if (error instanceof APIConnectionError) {
    return new TesseraError(
      'REMOTE_UNREACHABLE',
      `Could not connect to ${at}: ${connectionReason(error)}. Check that the server is running and the address, then retry.`,
      { retryable: true, cause: error },
    );
  }
  if (error instanceof APIError && error.status !== undefined) {
    const status = error.status;
    if (status === 401 || status === 403) {
      return new TesseraError(
        'REMOTE_REFUSED',
        `${at} refused the API key (${status} ${reasonOf(error)}). Set the server's key under Remote servers in Settings.`,
        { cause: error },
      );
    }
    if (retryableStatus(status)) {
      return new TesseraError(
        'REMOTE_BUSY',
        `${at} answered ${status} ${reasonOf(error)}. Retry in a while.`,
        {
          retryable: true,
          cause: error,
        },
      );
    }
    return new TesseraError('REMOTE_REFUSED', `${at} refused the request (${status} ${reasonOf(error)}).`, {
      cause: error,
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new TesseraError('REMOTE_STREAM_BROKEN', `${at} sent something Tessera could not read: ${message}`, {
    retryable: true,
    cause: error,
  });
}

/** The server's own words for an error status, short. */
function reasonOf(error: APIError): string {
  const body = error.error as { message?: unknown } | undefined;
  const message = typeof body?.message === 'string' ? body.message : '';
  return message ? `(${message.slice(0, 200)})` : '';
}

/** "connection refused", "no such host", …: undici hides the system error in the cause chain. */
function connectionReason(error: APIConnectionError): string {
  let deepest: unknown = error;
  for (let cause: unknown = error.cause; cause; cause = (cause as { cause?: unknown }).cause) {
    deepest = cause;
    const code = (cause as { code?: unknown }).code;
    if (code === 'ECONNREFUSED') return 'connection refused';
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'no such host';
    if (code === 'ECONNRESET') return 'the connection was reset';
    if (code === 'ETIMEDOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') return 'the connection timed out';
    if (typeof code === 'string') return code;
  }
  // fetch's own refusals ("bad port") carry no code: the innermost message says most.
  return deepest instanceof Error ? deepest.message : error.message;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new TesseraError('ABORTED', 'Stopped.'));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new TesseraError('ABORTED', 'Stopped.'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
