/**
 * A local stand-in for the Hugging Face Hub, for tests, benchmarks and `tessera serve --hub-endpoint`: a real
 * HTTP server on 127.0.0.1 serving model files from disk with the Hub's protocol and injecting faults on
 * demand. As on the Hub, a file is kept either in LFS (graphs, weights, anything over 10 MiB) or in git:
 *  - the revision API's `?blobs=true` lists each file as `{ rfilename, blobId, size }`, plus
 *    `lfs: { sha256, size, pointerSize }` for an LFS file, whose `blobId` is that of its pointer file;
 *  - `/resolve/` redirects an LFS file to a CDN-like path (`X-Repo-Commit`, `X-Linked-Etag` = sha256,
 *    `X-Linked-Size`), and answers a git file itself with `ETag` = its blob id (SHA-1 of
 *    `blob <size>\0` + bytes); both honour byte ranges.
 * Bodies are streamed from disk (`createReadStream` with the range's start and end), so memory stays flat
 * however large a file is; only each file's size and hashes are kept, computed once when the repo is added
 * (an LFS file's sha256 by streaming it) unless the caller gives them. The files must not change while they
 * are served.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, readdir, stat } from 'node:fs/promises';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, relative, resolve as resolvePath, sep } from 'node:path';
import { sha256OfFile } from '../downloads/sha256.ts';

export type FaultKind =
  | 'reset'
  | 'stall'
  | 'status'
  | 'rate-limit'
  | 'ignore-range'
  | 'corrupt'
  | 'truncate'
  | 'slow'
  | 'oversized';

/**
 * Byte faults act on a file's body (an LFS file's on the CDN, a git file's on `/resolve/`): `corrupt` flips
 * its middle byte (the size stays the same); reset, stall and truncate cut it; ignore-range and slow change
 * how it is sent. `oversized` answers any GET (the file list included) with `bytes` of filler instead.
 */
export interface Fault {
  kind: FaultKind;
  /** How many matching requests it applies to (default 1; `Infinity` for every one). */
  times?: number;
  /** A file of the repo (`onnx/decoder_model_merged.onnx`); default: any request. */
  path?: string;
  /** reset, stall, truncate: bytes of the body sent first (default half of it). */
  afterBytes?: number;
  /** oversized: the body's length (default 64 MiB). */
  bytes?: number;
  /** oversized: sent chunked, without a Content-Length (default false). */
  chunked?: boolean;
  /** status: the HTTP status (default 500). */
  status?: number;
  /** rate-limit: the Retry-After seconds (default 1). */
  retryAfter?: number;
  /** slow: the link's speed (default 64 KiB/s). */
  bytesPerSecond?: number;
}

export interface ServedRequest {
  method: string;
  url: string;
  /** The repo file the request was for, when it was for one. */
  file?: string;
  range?: string;
  status: number;
  bytesSent: number;
  /** The client closed the connection before the whole body was sent. */
  abandoned?: boolean;
  fault?: FaultKind;
  /** When it arrived (ms since the epoch). */
  at: number;
}

/** One file of a repo given by its path on disk; a known sha256 (hex) skips hashing an LFS file. */
export interface HubFileSource {
  path: string;
  sha256?: string;
  /** Checked against the file on disk when given. */
  size?: number;
  /** Kept in LFS; default: by its name and size, as the Hub's default `.gitattributes` does. */
  lfs?: boolean;
}

/** A repo given file by file: `repo file name → path on disk` (served in place, never copied). */
export interface HubRepoFiles {
  files: Record<string, string | HubFileSource>;
}

/** A folder (every file under it, named by its relative path) or a list of files. */
export type HubRepoSource = string | HubRepoFiles;

interface HubFile {
  rfilename: string;
  size: number;
  sha256: string;
  /** The git object id of the file (of its pointer file, for an LFS file). */
  blobId: string;
  /** The pointer file's length, for an LFS file. */
  lfsPointerSize?: number;
  /** Absolute path of the bytes on disk. */
  source: string;
}

interface HubRepo {
  id: string;
  commit: string;
  files: HubFile[];
}

const BYTE_FAULTS: ReadonlySet<FaultKind> = new Set([
  'reset',
  'stall',
  'ignore-range',
  'corrupt',
  'truncate',
  'slow',
]);

/** Read size when streaming a body: large enough that the server is never the slow end on loopback. */
const READ_CHUNK = 1024 * 1024;

/** The Hub refuses files over 10 MiB outside LFS. */
const GIT_FILE_MAX = 10 * 1024 * 1024;

/** Names the Hub's default `.gitattributes` (and onnx-community's) send to LFS. */
const LFS_NAME =
  /\.(onnx|onnx_data(_\d+)?|bin|safetensors|gguf|pt|pth|ckpt|h5|msgpack|npy|npz|pb|pkl|tflite|ot|model|zip|tar|gz|tgz|zst)$/;

/** Git's object id of a blob: SHA-1 of `blob <size>\0` and the bytes. */
function gitBlobId(bytes: Uint8Array): string {
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}

/** The pointer file git keeps in place of an LFS file. */
function lfsPointer(sha256: string, size: number): Buffer {
  return Buffer.from(`version https://git-lfs.github.com/spec/v1\noid sha256:${sha256}\nsize ${size}\n`);
}

/** Every file under `root`, as sorted `/`-separated relative paths. */
export async function filesUnder(root: string, dir = root): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(root, path)));
    else if (entry.isFile()) out.push(relative(root, path).split(sep).join('/'));
  }
  return out.sort();
}

async function loadFile(rfilename: string, given: string | HubFileSource): Promise<HubFile> {
  const parts = rfilename.split('/');
  if (parts.some((p) => p === '' || p === '.' || p === '..') || rfilename.includes('\\')) {
    throw new Error(`"${rfilename}" is not a repo file name.`);
  }
  const spec = typeof given === 'string' ? { path: given } : given;
  const source = resolvePath(spec.path);
  const info = await stat(source);
  if (!info.isFile()) throw new Error(`${source} is not a file.`);
  if (spec.size !== undefined && spec.size !== info.size) {
    throw new Error(`${source} has ${info.size} bytes, not the ${spec.size} given.`);
  }
  if (spec.sha256 !== undefined && !/^[0-9a-f]{64}$/.test(spec.sha256)) {
    throw new Error(`"${spec.sha256}" is not a sha256 (64 lowercase hex digits).`);
  }
  const lfs = spec.lfs ?? (info.size > GIT_FILE_MAX || LFS_NAME.test(rfilename));
  if (!lfs) {
    const bytes = await readFile(source); // at most GIT_FILE_MAX unless the caller says otherwise
    const sha256 = spec.sha256 ?? createHash('sha256').update(bytes).digest('hex');
    return { rfilename, size: info.size, sha256, blobId: gitBlobId(bytes), source };
  }
  const sha256 = spec.sha256 ?? (await sha256OfFile(source));
  const pointer = lfsPointer(sha256, info.size);
  return {
    rfilename,
    size: info.size,
    sha256,
    blobId: gitBlobId(pointer),
    lfsPointerSize: pointer.length,
    source,
  };
}

async function loadRepo(id: string, from: HubRepoSource): Promise<HubRepo> {
  const entries: [string, string | HubFileSource][] =
    typeof from === 'string'
      ? (await filesUnder(from)).map((f) => [f, join(from, ...f.split('/'))])
      : Object.entries(from.files).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const files: HubFile[] = [];
  for (const [rfilename, given] of entries) files.push(await loadFile(rfilename, given));
  const tree = files.map((f) => `${f.rfilename}\0${f.sha256}\n`).join('');
  return { id, commit: createHash('sha1').update(`${id}\n${tree}`).digest('hex'), files };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What `?blobs=true` adds to a file's entry in the file list. */
function blobInfo(file: HubFile) {
  const { size, blobId, sha256, lfsPointerSize } = file;
  return lfsPointerSize === undefined
    ? { blobId, size }
    : { blobId, size, lfs: { sha256, size, pointerSize: lfsPointerSize } };
}

/** Resolves once the response can take more (or is gone). */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

export class LocalHub {
  readonly requests: ServedRequest[] = [];
  private faults: Fault[] = [];
  private readonly bySha = new Map<string, HubFile>();

  private constructor(
    private readonly server: Server,
    private readonly repos: Map<string, HubRepo>,
    readonly url: string,
  ) {
    for (const repo of repos.values()) this.index(repo);
  }

  /**
   * Serves each `repo id → folder` (ids like `tessera-test/smolvlm-tiny`), or `repo id → { files }` to serve
   * files in place from anywhere on disk (a multi-GB file with its sha256 precomputed, say).
   */
  static async start(repos: Record<string, HubRepoSource>): Promise<LocalHub> {
    const loaded = new Map<string, HubRepo>();
    for (const [id, from] of Object.entries(repos)) loaded.set(id, await loadRepo(id, from));
    const holder: { hub?: LocalHub } = {};
    const server = createServer((req, res) => {
      holder.hub?.handle(req, res).catch(() => res.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    const { port } = server.address() as AddressInfo;
    holder.hub = new LocalHub(server, loaded, `http://127.0.0.1:${port}`);
    return holder.hub;
  }

  /** Adds (or replaces) a repo while serving; answers its commit. */
  async addRepo(id: string, from: HubRepoSource): Promise<string> {
    const repo = await loadRepo(id, from);
    this.repos.set(id, repo);
    this.index(repo);
    return repo.commit;
  }

  commit(repo: string): string {
    const found = this.repos.get(repo);
    if (!found) throw new Error(`No repo ${repo} on this hub.`);
    return found.commit;
  }

  inject(fault: Fault): void {
    this.faults.push({ ...fault, times: fault.times ?? 1 });
  }

  clearFaults(): void {
    this.faults = [];
  }

  /** Body bytes sent for a file (or all files), over every request. */
  bytesServed(file?: string): number {
    return this.requests
      .filter((r) => file === undefined || r.file === file)
      .reduce((sum, r) => sum + r.bytesSent, 0);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private index(repo: HubRepo): void {
    for (const file of repo.files) this.bySha.set(file.sha256, file);
  }

  private takeFault(file: string | undefined, bytes: boolean): Fault | undefined {
    const index = this.faults.findIndex(
      (f) =>
        (f.times ?? 1) > 0 &&
        (f.path === undefined || f.path === file) &&
        (bytes || !BYTE_FAULTS.has(f.kind)),
    );
    const fault = this.faults[index];
    if (!fault) return undefined;
    fault.times = (fault.times ?? 1) - 1;
    return fault;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const path = decodeURIComponent(url.pathname);
    const method = req.method ?? 'GET';
    const log: ServedRequest = { method, url: url.pathname, status: 0, bytesSent: 0, at: Date.now() };
    if (typeof req.headers.range === 'string') log.range = req.headers.range;
    this.requests.push(log);
    const send = (status: number, headers: Record<string, string | number>, body = '') => {
      log.status = status;
      res.writeHead(status, headers);
      res.end(method === 'HEAD' ? undefined : body);
    };
    const notFound = () =>
      send(
        404,
        { 'Content-Type': 'application/json', 'X-Error-Code': 'EntryNotFound' },
        '{"error":"not found"}',
      );

    const api = /^\/api\/models\/([^/]+\/[^/]+)\/revision\/([^/]+)$/.exec(path);
    const resolve = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(path);
    const cdn = /^\/cdn\/([0-9a-f]{64})$/.exec(path);
    const cdnFile = cdn ? this.bySha.get(cdn[1] ?? '') : undefined;
    const resolveRepo = resolve ? this.repos.get(resolve[1] ?? '') : undefined;
    const resolveFile = resolveRepo?.files.find((f) => f.rfilename === resolve?.[3]);
    if (resolve) log.file = resolve[3];
    if (cdnFile) log.file = cdnFile.rfilename;
    // A git file's bytes come from /resolve/ itself; an LFS file's from the CDN.
    const gitFile = resolveFile && resolveFile.lfsPointerSize === undefined ? resolveFile : undefined;
    const bytesFile = cdnFile ?? gitFile;

    if (method !== 'GET' && method !== 'HEAD') return send(405, {});
    const fault = this.takeFault(log.file, bytesFile !== undefined && method === 'GET');
    if (fault) log.fault = fault.kind;
    if (fault?.kind === 'status') return send(fault.status ?? 500, {}, 'injected failure');
    if (fault?.kind === 'rate-limit') return send(429, { 'Retry-After': String(fault.retryAfter ?? 1) });
    if (fault?.kind === 'oversized' && method === 'GET') return this.serveOversized(res, fault, log);

    if (api) {
      const repo = this.repos.get(api[1] ?? '');
      if (!repo || (api[2] !== 'main' && api[2] !== repo.commit)) return notFound();
      // Sizes and hashes only when asked for, as on the Hub (huggingface_hub's `files_metadata=True`).
      const blobs = url.searchParams.get('blobs') === 'true';
      const siblings = repo.files.map((f) =>
        blobs ? { rfilename: f.rfilename, ...blobInfo(f) } : { rfilename: f.rfilename },
      );
      return send(
        200,
        { 'Content-Type': 'application/json' },
        JSON.stringify({ _id: repo.commit.slice(0, 24), id: repo.id, sha: repo.commit, siblings }),
      );
    }
    if (resolve) {
      if (!resolveRepo || !resolveFile || (resolve[2] !== 'main' && resolve[2] !== resolveRepo.commit)) {
        return notFound();
      }
      if (gitFile)
        return this.serveBytes(req, res, gitFile, fault, log, { 'X-Repo-Commit': resolveRepo.commit });
      return send(302, {
        Location: `${this.url}/cdn/${resolveFile.sha256}`,
        'X-Repo-Commit': resolveRepo.commit,
        'X-Linked-Etag': `"${resolveFile.sha256}"`,
        'X-Linked-Size': resolveFile.size,
        ETag: `"${resolveFile.sha256}"`,
      });
    }
    if (!cdnFile) return notFound();
    return this.serveBytes(req, res, cdnFile, fault, log);
  }

  /** `fault.bytes` of filler shaped like the start of a JSON object, sent as fast as the client reads. */
  private async serveOversized(res: ServerResponse, fault: Fault, log: ServedRequest): Promise<void> {
    const total = fault.bytes ?? 64 * 1024 * 1024;
    log.status = 200;
    res.writeHead(200, {
      'Content-Type': 'application/json',
      ...(fault.chunked ? {} : { 'Content-Length': total }),
    });
    const head = Buffer.from('{"padding":"');
    const filler = Buffer.alloc(READ_CHUNK, 'x');
    for (let sent = 0; sent < total;) {
      if (res.destroyed) {
        log.abandoned = true;
        return;
      }
      const piece = sent === 0 ? head.subarray(0, total) : filler.subarray(0, total - sent);
      const ok = res.write(piece);
      sent += piece.length;
      log.bytesSent += piece.length;
      if (!ok) await drained(res);
    }
    if (res.destroyed) log.abandoned = true;
    else res.end();
  }

  private async serveBytes(
    req: IncomingMessage,
    res: ServerResponse,
    file: HubFile,
    fault: Fault | undefined,
    log: ServedRequest,
    extraHeaders: Record<string, string> = {},
  ): Promise<void> {
    let start = 0;
    let end = file.size - 1;
    let status = 200;
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    if (range && fault?.kind !== 'ignore-range') {
      start = Number(range[1]);
      if (range[2]) end = Math.min(end, Number(range[2]));
      if (start > end) {
        log.status = 416;
        res.writeHead(416, { 'Content-Range': `bytes */${file.size}` });
        res.end();
        return;
      }
      status = 206;
    }
    const length = end - start + 1;
    const headers: Record<string, string | number> = {
      'Content-Type': 'application/octet-stream',
      'Content-Length': length,
      'Accept-Ranges': 'bytes',
      // The Hub's ETag: an LFS file's sha256, a git file's blob id.
      ETag: `"${file.lfsPointerSize === undefined ? file.blobId : file.sha256}"`,
      ...extraHeaders,
    };
    if (status === 206) headers['Content-Range'] = `bytes ${start}-${end}/${file.size}`;
    log.status = status;
    res.writeHead(status, headers);
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    // corrupt: the body's middle byte (of what this response sends) is flipped.
    const flip = fault?.kind === 'corrupt' && length > 0 ? start + Math.floor(length / 2) : undefined;
    const cut = Math.min(length, fault?.afterBytes ?? Math.floor(length / 2));
    switch (fault?.kind) {
      case 'reset':
        await this.pump(res, file, start, cut, log);
        await sleep(20);
        res.socket?.resetAndDestroy();
        return;
      case 'truncate':
        await this.pump(res, file, start, cut, log);
        await sleep(20);
        res.socket?.end();
        return;
      case 'stall':
        await this.pump(res, file, start, cut, log);
        return; // nothing more until the client gives up (or close() ends the connection)
      case 'slow': {
        const rate = fault.bytesPerSecond ?? 64 * 1024;
        // Pieces of a twentieth of the rate, one every 50 ms.
        const piece = Math.max(1, Math.floor(rate / 20));
        if (await this.pump(res, file, start, length, log, { piece, pauseMs: 50 })) res.end();
        return;
      }
      default:
        if (await this.pump(res, file, start, length, log, { flip })) res.end();
    }
  }

  /**
   * Streams `count` bytes of a file from `from` into the response, honouring backpressure and counting what
   * it writes; `piece` and `pauseMs` pace it. Answers false when the client went away first.
   */
  private async pump(
    res: ServerResponse,
    file: HubFile,
    from: number,
    count: number,
    log: ServedRequest,
    options: { flip?: number | undefined; piece?: number; pauseMs?: number } = {},
  ): Promise<boolean> {
    if (count <= 0) return !res.destroyed;
    const { flip, piece, pauseMs } = options;
    const stream = createReadStream(file.source, {
      start: from,
      end: from + count - 1,
      highWaterMark: piece ?? READ_CHUNK,
    });
    let at = from;
    for await (const data of stream as AsyncIterable<Buffer>) {
      let chunk = data;
      if (flip !== undefined && flip >= at && flip < at + chunk.length) {
        chunk = Buffer.from(chunk);
        chunk[flip - at] = (chunk[flip - at] ?? 0) ^ 0xff;
      }
      at += chunk.length;
      const step = piece ?? chunk.length;
      for (let offset = 0; offset < chunk.length; offset += step) {
        if (res.destroyed) {
          log.abandoned = true;
          return false;
        }
        const part = step === chunk.length ? chunk : chunk.subarray(offset, offset + step);
        const ok = res.write(part);
        log.bytesSent += part.length;
        if (!ok) await drained(res);
        if (pauseMs !== undefined) await sleep(pauseMs);
      }
    }
    return !res.destroyed;
  }
}
