/**
 * Hugging Face Hub client: pins a revision to a commit, lists files with sizes and hashes (an LFS file's
 * sha256, a git file's blob id), and downloads one file through `/resolve/` into `<dest>.incomplete`,
 * resuming with `Range`, hashing while streaming, and renaming into place only when size and hash match. A
 * listing with a size that is no byte count is refused, and so is a file without a hash. Answers read into
 * memory (file lists, config.json) are bounded (bounded-body.ts). Retries network errors, 5xx and 429 with
 * exponential backoff and jitter (honouring `Retry-After`), aborts stalled transfers, and holds a per-file
 * lock (in this process and across processes) so two downloads of one file never interleave. Requests go
 * through undici with an `EnvHttpProxyAgent`, so HTTPS_PROXY / HTTP_PROXY / NO_PROXY (or `proxy`) apply.
 * The API calls use fetch; file bytes use undici's request(), whose Node stream body is cheaper per byte
 * than fetch's WHATWG stream (about a fifth less CPU per GB in the downloads benchmark, bench/README.md);
 * file-sink.ts writes them in 1 MiB blocks while the sha256 worker thread (sha256.ts) hashes them.
 */
import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';
import {
  type BodyLimit,
  LISTING_LIMIT,
  TEXT_FILE_LIMIT,
  formatLimit,
  readBoundedText,
} from './bounded-body.ts';
import { HashingFileSink } from './file-sink.ts';
import { Sha256, gitBlobHash, gitBlobIdOfFile, sha256OfFile } from './sha256.ts';
import { type Dispatcher, EnvHttpProxyAgent, type Response, fetch, interceptors, request } from 'undici';

export const DEFAULT_ENDPOINT = 'https://huggingface.co';

export interface HubClientOptions {
  /** Default: `HF_ENDPOINT`, then https://huggingface.co. */
  endpoint?: string;
  /** Sent as `Authorization: Bearer …` (gated repos). */
  token?: string;
  /** Attempts after the first (default 5). */
  retries?: number;
  /** First backoff delay (default 500 ms), doubled per attempt up to `maxBackoffMs` (default 30 s). */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** No bytes for this long aborts the transfer and retries (default 30 s). */
  stallMs?: number;
  /** Each field given overrides its environment variable (HTTP_PROXY, HTTPS_PROXY, NO_PROXY, or lower case). */
  proxy?: ProxyOptions;
}

export interface ProxyOptions {
  httpProxy?: string;
  httpsProxy?: string;
  /** Comma-separated hosts (`host`, `.domain`, `host:port`, `*`) reached directly. */
  noProxy?: string;
}

export interface RemoteFile {
  path: string;
  size?: number;
  /** An LFS file's sha256 (hex). */
  sha256?: string;
  /** A file kept in git (not LFS): its git blob id, SHA-1 of `blob <size>\0` + bytes (hex). */
  blobId?: string;
}

export interface RepoSnapshot {
  repo: string;
  commit: string;
  files: RemoteFile[];
}

export interface Progress {
  bytes: number;
  total: number | undefined;
}

export interface DownloadFileOptions {
  signal?: AbortSignal;
  onProgress?: (progress: Progress) => void;
}

/** A failure worth another attempt (network, 5xx, 429, stall, bad bytes). */
class RetryableError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
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

const sleep = (ms: number, signal?: AbortSignal) =>
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

/** Parses `REPO_ID[@REVISION]`. */
export function parseRepoRef(ref: string): { repo: string; revision: string } {
  const at = ref.lastIndexOf('@');
  const repo = at > 0 ? ref.slice(0, at) : ref;
  const revision = at > 0 ? ref.slice(at + 1) : 'main';
  if (!/^[\w.-]+\/[\w.-]+$/.test(repo) || repo.includes('..')) {
    throw new HubError(`"${ref}" is not a Hub repo id (expected OWNER/NAME[@REVISION]).`);
  }
  if (!/^[\w.-]+$/.test(revision)) throw new HubError(`"${revision}" is not a valid revision.`);
  return { repo, revision };
}

/** Refuses file names that would escape the model folder. */
export function safeRelativePath(path: string): string {
  const parts = path.split('/');
  if (path.startsWith('/') || path.includes('\\') || parts.some((p) => p === '' || p === '.' || p === '..')) {
    throw new HubError(`The Hub listed an unsafe file name "${path}".`);
  }
  return path;
}

function describe(error: unknown): string {
  const e = error as { message?: string; cause?: { code?: string; message?: string } };
  const cause = e.cause?.code ?? e.cause?.message;
  return cause ? `${e.message ?? String(error)} (${cause})` : (e.message ?? String(error));
}

// ---- per-file lock: an in-process queue plus an exclusive lock file holding our pid ----

const inProcess = new Map<string, Promise<unknown>>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function acquireLockFile(lock: string, signal?: AbortSignal): Promise<void> {
  for (;;) {
    try {
      const handle = await open(lock, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const pid = Number((await readFile(lock, 'utf8').catch(() => '')).trim());
    // A lock left by a process that died (SIGKILL, crash) is stale; an empty one may be mid-write.
    if (Number.isInteger(pid) && pid > 0 && !alive(pid)) {
      await rm(lock, { force: true });
      continue;
    }
    await sleep(100, signal);
  }
}

export async function withFileLock<T>(
  dest: string,
  task: () => Promise<T>,
  signal?: AbortSignal,
): Promise<T> {
  const previous = inProcess.get(dest) ?? Promise.resolve();
  const run = previous
    .catch(() => {})
    .then(async () => {
      const lock = `${dest}.lock`;
      await mkdir(dirname(dest), { recursive: true });
      await acquireLockFile(lock, signal);
      try {
        return await task();
      } finally {
        await rm(lock, { force: true });
      }
    });
  const settled = run.catch(() => {});
  inProcess.set(dest, settled);
  void settled.then(() => {
    if (inProcess.get(dest) === settled) inProcess.delete(dest);
  });
  return run;
}

// ---- proxies: one dispatcher per effective proxy setting, so every client shares its connection pool ----

const dispatchers = new Map<string, EnvHttpProxyAgent>();

function dispatcherFor(proxy: ProxyOptions = {}): EnvHttpProxyAgent {
  const env = process.env;
  // EnvHttpProxyAgent reads the proxy variables once, so the key holds their values now; NO_PROXY it re-reads.
  const key = JSON.stringify([
    proxy.httpProxy ?? env.http_proxy ?? env.HTTP_PROXY ?? null,
    proxy.httpsProxy ?? env.https_proxy ?? env.HTTPS_PROXY ?? null,
    proxy.noProxy ?? null,
  ]);
  let dispatcher = dispatchers.get(key);
  if (!dispatcher) {
    dispatcher = new EnvHttpProxyAgent({
      ...(proxy.httpProxy !== undefined ? { httpProxy: proxy.httpProxy } : {}),
      ...(proxy.httpsProxy !== undefined ? { httpsProxy: proxy.httpsProxy } : {}),
      ...(proxy.noProxy !== undefined ? { noProxy: proxy.noProxy } : {}),
    });
    dispatchers.set(key, dispatcher);
  }
  return dispatcher;
}

// ---- file bytes: undici's request() instead of fetch ----

/** A response to `HubClient.get`: status, headers by lower-case name, the body as a Node stream. */
interface Got {
  status: number;
  header(name: string): string | null;
  body: Readable;
  /** Drops the body (and its connection); safe to call more than once. */
  cancel(): void;
}

/**
 * request() fails with undici's own errors (SocketError, ConnectTimeoutError…), not fetch's TypeError, so
 * withRetries would treat them as fatal: a network failure becomes retryable, unless the caller aborted.
 */
function networkError(error: unknown, signal: AbortSignal): unknown {
  if (signal.aborted || error instanceof RetryableError || error instanceof HubError) return error;
  return new RetryableError(describe(error));
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
    onProgress?: (progress: Progress) => void;
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
      throw new RetryableError(`the server sent more than ${total} bytes for ${options.path}`, 0, true);
    }
    await sink.push(chunk);
    bytes += chunk.byteLength;
    onProgress?.({ bytes, total });
  }
}

// ---- what the Hub lists, checked before it is trusted ----

interface ListedSibling {
  rfilename?: unknown;
  size?: unknown;
  blobId?: unknown;
  lfs?: { sha256?: unknown; size?: unknown } | null;
}

/** A file with what downloading it needs: its size and the hash it is checked against. */
type VerifiableFile = RemoteFile & { size: number } & ({ sha256: string } | { blobId: string });

const isByteCount = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

/**
 * One entry of `?blobs=true`: `{ rfilename, size, blobId, lfs?: { sha256, size, pointerSize } }`. An LFS
 * file's `blobId` names its pointer, so its bytes are checked by `lfs.sha256`; a git file's by `blobId`.
 * A size or hash that is present but malformed is refused: a listing that says -5 bytes is broken, and
 * retrying a download against it cannot succeed.
 */
function listedFile(entry: unknown, listing: string): RemoteFile {
  const sibling = (typeof entry === 'object' && entry !== null ? entry : {}) as ListedSibling;
  if (typeof sibling.rfilename !== 'string') throw new HubError(`The Hub listed a file without a name.`);
  const path = safeRelativePath(sibling.rfilename);
  const lfs = sibling.lfs ?? undefined;
  const size = lfs ? lfs.size : sibling.size;
  const refuse = (what: string) =>
    new HubError(
      `The Hub's answer for ${listing} gives ${path} ${what}; Tessera does not download from a listing ` +
        'it cannot check.',
    );
  if (size !== undefined && !isByteCount(size)) {
    throw refuse(`a size of ${JSON.stringify(size)}, which is not a whole number of bytes`);
  }
  const file: RemoteFile = { path, ...(size !== undefined ? { size } : {}) };
  if (lfs) {
    if (typeof lfs.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(lfs.sha256)) {
      throw refuse(`an LFS sha256 of ${JSON.stringify(lfs.sha256 ?? null)}, which is not a sha256`);
    }
    file.sha256 = lfs.sha256;
  } else if (sibling.blobId !== undefined) {
    if (typeof sibling.blobId !== 'string' || !/^[0-9a-f]{40}$/.test(sibling.blobId)) {
      throw refuse(`a blob id of ${JSON.stringify(sibling.blobId)}, which is not a git object id`);
    }
    file.blobId = sibling.blobId;
  }
  return file;
}

/** The file, if it has a size and a hash to be checked against; otherwise a HubError (never retried). */
export function verifiable(file: RemoteFile, repo: string): VerifiableFile {
  if (file.size === undefined) {
    throw new HubError(`The Hub did not give the size of ${file.path} in ${repo}.`);
  }
  if (!isByteCount(file.size)) {
    throw new HubError(`The size of ${file.path} in ${repo}, ${file.size}, is not a whole number of bytes.`);
  }
  if (file.sha256 === undefined && file.blobId === undefined) {
    throw new HubError(
      `The Hub gave no hash (LFS sha256 or git blob id) for ${file.path} in ${repo}, so it cannot be ` +
        'verified; Tessera does not download it.',
    );
  }
  return file as VerifiableFile;
}

// ---- the client ----

export class HubClient {
  readonly endpoint: string;
  private readonly token: string | undefined;
  private readonly retries: number;
  private readonly backoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly stallMs: number;
  private readonly dispatcher: EnvHttpProxyAgent;
  /** The same agent (proxy settings, connection pool) following redirects itself, for request(). */
  private readonly downloads: Dispatcher;

  constructor(options: HubClientOptions = {}) {
    this.endpoint = (options.endpoint ?? (process.env.HF_ENDPOINT || DEFAULT_ENDPOINT)).replace(/\/+$/, '');
    this.token = options.token;
    this.retries = options.retries ?? 5;
    this.backoffMs = options.backoffMs ?? 500;
    this.maxBackoffMs = options.maxBackoffMs ?? 30_000;
    this.stallMs = options.stallMs ?? 30_000;
    this.dispatcher = dispatcherFor(options.proxy);
    this.downloads = this.dispatcher.compose(interceptors.redirect({ maxRedirections: 5 }));
  }

  /** The commit a revision points to now, and the files at that commit. */
  async snapshot(repo: string, revision = 'main', signal?: AbortSignal): Promise<RepoSnapshot> {
    const url = `${this.endpoint}/api/models/${repo}/revision/${encodeURIComponent(revision)}?blobs=true`;
    const listing = `the file list of ${repo}@${revision}`;
    const text = await this.readSmall(url, listing, LISTING_LIMIT, signal);
    let body: { sha?: unknown; siblings?: unknown };
    try {
      body = JSON.parse(text) as typeof body;
    } catch (error) {
      throw new HubError(`The Hub's answer for ${listing} is not JSON (${describe(error)}).`);
    }
    if (typeof body.sha !== 'string' || !/^[0-9a-f]{40}$/.test(body.sha) || !Array.isArray(body.siblings)) {
      throw new HubError(`The Hub's answer for ${repo}@${revision} has no commit or file list.`);
    }
    const files = (body.siblings as unknown[]).map((s) => listedFile(s, listing));
    return { repo, commit: body.sha, files };
  }

  /**
   * A small text file of a pinned commit (config.json), read whole up to `limit`; a missing file is a 404
   * HubError.
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

  /** GETs an answer read into memory, refusing (at once, not retried) one over `limit`. */
  private readSmall(url: string, what: string, limit: BodyLimit, signal?: AbortSignal): Promise<string> {
    return this.withRetries(signal, async () => {
      const stop = new AbortController();
      const response = await this.request(
        url,
        {},
        signal ? AbortSignal.any([signal, stop.signal]) : stop.signal,
      );
      if (!response.ok) throw this.statusError(response, what);
      return readBoundedText(
        response,
        limit,
        () => stop.abort(),
        () =>
          new HubError(
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
        if (await this.alreadyThere(dest, checked)) {
          options.onProgress?.({ bytes: checked.size, total: checked.size });
          return;
        }
        const url = this.resolveUrl(repo, commit, file.path);
        await this.withRetries(signal, () => this.attempt(url, checked, dest, options));
      },
      signal,
    );
  }

  private async alreadyThere(dest: string, file: VerifiableFile): Promise<boolean> {
    const info = await stat(dest).catch(() => undefined);
    if (!info?.isFile() || info.size !== file.size) return false;
    if (file.sha256 !== undefined) return (await sha256OfFile(dest)) === file.sha256;
    return (await gitBlobIdOfFile(dest, file.size)) === file.blobId;
  }

  private async withRetries<T>(signal: AbortSignal | undefined, task: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      signal?.throwIfAborted();
      try {
        return await task();
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        const retryable = error instanceof RetryableError || error instanceof TypeError;
        if (!retryable || attempt >= this.retries) {
          if (retryable) throw new HubError(`${describe(error)}; gave up after ${attempt + 1} attempts.`);
          throw error;
        }
        const backoff = Math.min(this.maxBackoffMs, this.backoffMs * 2 ** attempt);
        const jittered = backoff / 2 + (Math.random() * backoff) / 2;
        const retryAfter = error instanceof RetryableError ? error.retryAfterMs : undefined;
        await sleep(retryAfter === undefined ? jittered : Math.min(this.maxBackoffMs, retryAfter), signal);
      }
    }
  }

  private request(url: string, headers: Record<string, string>, signal?: AbortSignal): Promise<Response> {
    const all: Record<string, string> = { 'User-Agent': 'tessera', ...headers };
    if (this.token) all.Authorization = `Bearer ${this.token}`;
    return fetch(url, {
      headers: all,
      redirect: 'follow',
      dispatcher: this.dispatcher,
      ...(signal ? { signal } : {}),
    });
  }

  /**
   * A GET for file bytes. Redirects are followed by the dispatcher, which drops Authorization (and Cookie)
   * on a cross-origin hop, as fetch does: the Hub redirects to a CDN. Network errors become retryable.
   */
  private async get(url: string, headers: Record<string, string>, signal: AbortSignal): Promise<Got> {
    const all: Record<string, string> = { 'User-Agent': 'tessera', ...headers };
    if (this.token) all.Authorization = `Bearer ${this.token}`;
    try {
      const r = await request(url, { method: 'GET', headers: all, dispatcher: this.downloads, signal });
      // Errors reach the reader through its iterator; without a listener, one arriving between reads (a
      // reset) or after cancel() would be an uncaught 'error' event and end the process.
      r.body.on('error', () => {});
      const header = (name: string) => {
        const value = r.headers[name];
        return value === undefined ? null : Array.isArray(value) ? (value[0] ?? null) : value;
      };
      return { status: r.statusCode, header, body: r.body, cancel: () => void r.body.destroy() };
    } catch (error) {
      throw networkError(error, signal);
    }
  }

  private statusError(response: Response | Got, what: string): Error {
    const status = response.status;
    if ('cancel' in response) response.cancel();
    else void response.body?.cancel().catch(() => {});
    if (status === 429 || status === 408 || status >= 500) {
      const header =
        'header' in response ? response.header('retry-after') : response.headers.get('retry-after');
      const seconds = header === null ? NaN : Number(header);
      const at = header === null ? NaN : Date.parse(header);
      const retryAfterMs = Number.isFinite(seconds)
        ? seconds * 1000
        : Number.isFinite(at)
          ? Math.max(0, at - Date.now())
          : undefined;
      return new RetryableError(`The Hub answered ${status} for ${what}`, retryAfterMs);
    }
    if (status === 401 || status === 403) {
      return new HubError(`${what} needs an access token with access to it (HTTP ${status}).`, status);
    }
    if (status === 404) return new HubError(`${what} was not found on ${this.endpoint} (HTTP 404).`, status);
    return new HubError(`The Hub answered ${status} for ${what}.`, status);
  }

  /** One request: resume from the partial file, stream to it while hashing, verify, rename. */
  private async attempt(url: string, file: VerifiableFile, dest: string, options: DownloadFileOptions) {
    const partial = `${dest}.incomplete`;
    let offset = (await stat(partial).catch(() => undefined))?.size ?? 0;
    if (offset > file.size) {
      await rm(partial, { force: true });
      offset = 0;
    }
    const stall = new AbortController();
    const signal = options.signal ? AbortSignal.any([options.signal, stall.signal]) : stall.signal;
    // refresh() restarts the countdown without a new timer: it runs once per network chunk.
    const timer = setTimeout(
      () => stall.abort(new RetryableError(`no data for ${this.stallMs / 1000} s`)),
      this.stallMs,
    );
    try {
      const response = await this.get(url, offset > 0 ? { Range: `bytes=${offset}-` } : {}, signal).catch(
        (error: unknown) => {
          throw stall.signal.aborted ? stall.signal.reason : error;
        },
      );
      if (response.status === 416 && offset > 0) {
        // Our partial file is as long as (or longer than) the file: start over.
        response.cancel();
        await rm(partial, { force: true });
        throw new RetryableError('the partial file did not match the remote file', 0);
      }
      if (response.status !== 200 && response.status !== 206) throw this.statusError(response, file.path);
      const total = file.size;
      // An LFS file by its sha256; a git file by its blob id, whose header needs the size up front.
      const check = file.sha256 !== undefined ? 'sha256' : 'git blob id';
      const expected = file.sha256 ?? file.blobId;
      const hash = file.sha256 !== undefined ? new Sha256() : gitBlobHash(total);
      try {
        let handle;
        let prefix: Promise<void> = Promise.resolve();
        if (response.status === 206 && offset > 0) {
          const range = /^bytes (\d+)-/.exec(response.header('content-range') ?? '');
          if (!range || Number(range[1]) !== offset) {
            response.cancel();
            throw new RetryableError(`the server sent an unexpected range for ${file.path}`);
          }
          // The bytes we already have, once, on the hash worker while the stream starts; then the stream.
          prefix = hash.updateFromFile(partial, offset);
          prefix.catch(() => {}); // awaited below; a failure must not go unhandled meanwhile
          handle = await open(partial, 'r+');
        } else {
          // 200: the whole file, whether or not we asked for a range. Discard any partial data.
          offset = 0;
          await mkdir(dirname(dest), { recursive: true });
          handle = await open(partial, 'w');
        }
        const sink = new HashingFileSink(handle, hash, offset);
        let bytes: number;
        try {
          bytes = await receive(response.body, sink, {
            from: offset,
            total,
            path: file.path,
            onChunk: () => timer.refresh(),
            failure: (error) => (stall.signal.aborted ? stall.signal.reason : networkError(error, signal)),
            onProgress: options.onProgress,
          });
          await sink.finish();
        } catch (error) {
          await sink.abandon().catch(() => {}); // the first error is the one to report
          throw error;
        } finally {
          response.cancel(); // a no-op once the body has ended; otherwise frees the connection
          await handle.close();
        }
        if (bytes !== total) {
          throw new RetryableError(`${file.path} ended after ${bytes} of ${total} bytes`);
        }
        await prefix.catch((error: unknown) => {
          throw new RetryableError(`could not read back ${partial}: ${describe(error)}`, 0, true);
        });
        const actual = await hash.digest();
        if (actual !== expected) {
          await rm(partial, { force: true });
          throw new RetryableError(
            `${file.path} failed its ${check} check (expected ${expected}, got ${actual})`,
          );
        }
      } finally {
        hash.dispose();
      }
      await rename(partial, dest);
    } catch (error) {
      if (error instanceof RetryableError && error.restart) await rm(partial, { force: true });
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }
}
