/** Retries with exponential backoff and jitter, honouring `Retry-After`; an abort ends the wait at once. */
import { TesseraError } from '../../app/errors.ts';
import { describe, hubError, isRefused, isRetryable } from './hub-errors.ts';

export interface RetryPolicy {
  /** Attempts after the first. */
  retries: number;
  /** First backoff delay, doubled per attempt up to `maxBackoffMs`. */
  backoffMs: number;
  maxBackoffMs: number;
}

export const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/** The wait before attempt `attempt + 1`: the server's `Retry-After` if it gave one, else jittered backoff. */
function delayMs(policy: RetryPolicy, attempt: number, error: unknown): number {
  const retryAfter = error instanceof TesseraError ? error.retryAfterMs : undefined;
  if (retryAfter !== undefined) return Math.min(policy.maxBackoffMs, retryAfter);
  const backoff = Math.min(policy.maxBackoffMs, policy.backoffMs * 2 ** attempt);
  return backoff / 2 + (Math.random() * backoff) / 2;
}

/** A refused connection (nothing listens there) is retried this many times, after at most REFUSED_DELAY_MS. */
const REFUSED_RETRIES = 1;
const REFUSED_DELAY_MS = 250;

/**
 * Runs `task` until it succeeds, fails with an error that is not retryable (fetch's network failures are
 * TypeErrors, so those are), or runs out of attempts, which is a HUB_ERROR saying how many it made.
 */
export async function withRetries<T>(
  policy: RetryPolicy,
  signal: AbortSignal | undefined,
  task: () => Promise<T>,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    signal?.throwIfAborted();
    try {
      return await task();
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (!isRetryable(error)) throw error;
      const refused = isRefused(error);
      if (attempt >= (refused ? Math.min(policy.retries, REFUSED_RETRIES) : policy.retries)) {
        const attempts = attempt === 0 ? '1 attempt' : `${attempt + 1} attempts`;
        throw hubError(`${describe(error)}; gave up after ${attempts}.`);
      }
      const delay = delayMs(policy, attempt, error);
      await sleep(refused ? Math.min(delay, REFUSED_DELAY_MS) : delay, signal);
    }
  }
}
