/**
 * Hugging Face Hub client: pins a revision to a commit, lists files with sizes and hashes, and downloads one
 * file into place, verified. The parts, each in its own file:
 * - hub-listing.ts: repo ids, and the file list checked before it is trusted (sizes, hashes, safe names);
 * - file-attempt.ts: one attempt at one file (resume with `Range`, hash while streaming, verify, rename);
 * - hub-retry.ts: retries of network errors, 5xx and 429 with backoff and jitter, honouring `Retry-After`;
 * - hub-http.ts: requests through undici with the proxy settings, following redirects (token stays home);
 * - file-lock.ts: a per-file lock (in this process and across processes) so two downloads never interleave;
 * - hub-errors.ts: the Hub's errors (retryable or final HUB_ERRORs) and what each HTTP status means.
 * Answers read into memory (file lists, config.json) are bounded (bounded-body.ts).
 */
import {
  type BodyLimit,
  LISTING_LIMIT,
  TEXT_FILE_LIMIT,
  formatLimit,
  readBoundedText,
} from './bounded-body.ts';
import { alreadyThere, attemptDownload } from './file-attempt.ts';
import { withFileLock } from './file-lock.ts';
import { hubError } from './hub-errors.ts';
import { HubHttp } from './hub-http.ts';
import { parseSnapshot, safeRelativePath, verifiable } from './hub-listing.ts';
import { type RetryPolicy, withRetries } from './hub-retry.ts';
import type { DownloadFileOptions, HubClientOptions, RemoteFile, RepoSnapshot } from './hub-types.ts';

export { withFileLock } from './file-lock.ts';
export { parseRepoRef, safeRelativePath, verifiable } from './hub-listing.ts';
export type {
  DownloadFileOptions,
  HubClientOptions,
  Progress,
  ProxyOptions,
  RemoteFile,
  RepoSnapshot,
} from './hub-types.ts';

export const DEFAULT_ENDPOINT = 'https://huggingface.co';

export class HubClient {
  readonly endpoint: string;
  private readonly policy: RetryPolicy;
  private readonly stallMs: number;
  private readonly http: HubHttp;

  constructor(options: HubClientOptions = {}) {
    this.endpoint = (options.endpoint ?? (process.env.HF_ENDPOINT || DEFAULT_ENDPOINT)).replace(/\/+$/, '');
    this.policy = {
      retries: options.retries ?? 5,
      backoffMs: options.backoffMs ?? 500,
      maxBackoffMs: options.maxBackoffMs ?? 30_000,
    };
    this.stallMs = options.stallMs ?? 30_000;
    this.http = new HubHttp(this.endpoint, options.token, options.proxy);
  }

  /** The commit a revision points to now, and the files at that commit. */
  async snapshot(repo: string, revision = 'main', signal?: AbortSignal): Promise<RepoSnapshot> {
    const url = `${this.endpoint}/api/models/${repo}/revision/${encodeURIComponent(revision)}?blobs=true`;
    const listing = `the file list of ${repo}@${revision}`;
    const text = await this.readSmall(url, listing, LISTING_LIMIT, signal);
    return parseSnapshot(text, repo, revision, listing);
  }

  /**
   * A small text file of a pinned commit (config.json), read whole up to `limit`; a missing file is a 404
   * HUB_ERROR.
   */
  async fetchText(
    repo: string,
    commit: string,
    path: string,
    signal?: AbortSignal,
    limit: BodyLimit = TEXT_FILE_LIMIT,
  ): Promise<string> {
    return this.readSmall(this.resolveUrl(repo, commit, path), `${path} of ${repo}`, limit, signal);
  }

  /** Downloads one file of a pinned commit to `dest` (resuming `<dest>.incomplete`), verified. */
  async downloadFile(
    repo: string,
    commit: string,
    file: RemoteFile,
    dest: string,
    options: DownloadFileOptions = {},
  ): Promise<void> {
    const { signal } = options;
    const checked = verifiable(file, repo);
    await withFileLock(
      dest,
      async () => {
        if (await alreadyThere(dest, checked)) {
          options.onProgress?.({ bytes: checked.size, total: checked.size });
          return;
        }
        const url = this.resolveUrl(repo, commit, file.path);
        await withRetries(this.policy, signal, () =>
          attemptDownload(this.http, url, checked, dest, { ...options, stallMs: this.stallMs }),
        );
      },
      signal,
    );
  }

  /** GETs an answer read into memory, refusing (at once, not retried) one over `limit`. */
  private readSmall(url: string, what: string, limit: BodyLimit, signal?: AbortSignal): Promise<string> {
    return withRetries(this.policy, signal, async () => {
      const stop = new AbortController();
      const response = await this.http.fetch(
        url,
        signal ? AbortSignal.any([signal, stop.signal]) : stop.signal,
      );
      if (!response.ok) throw this.http.statusError(response, what);
      return readBoundedText(
        response,
        limit,
        () => stop.abort(),
        () =>
          hubError(
            `The Hub's answer for ${what} (${url}) is larger than ${formatLimit(limit)}, the most Tessera ` +
              `reads for ${limit.kind}; it stopped reading.`,
          ),
      );
    });
  }

  private resolveUrl(repo: string, commit: string, path: string): string {
    const parts = safeRelativePath(path).split('/').map(encodeURIComponent);
    return `${this.endpoint}/${repo}/resolve/${commit}/${parts.join('/')}`;
  }
}
