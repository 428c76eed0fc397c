/** What callers of the Hub client pass and get back (hub-client.ts re-exports these). */

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
