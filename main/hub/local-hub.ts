/**
 * A local stand-in for the Hugging Face Hub, for tests and `tessera serve --hub-endpoint`: a real HTTP server
 * on 127.0.0.1 serving model folders from disk with the Hub's protocol (revision API, `/resolve/` redirects
 * to a CDN-like path with `X-Repo-Commit`, `X-Linked-Etag`, `X-Linked-Size`, byte ranges) and injecting
 * faults on demand. Files are held in memory: it is meant for generated test models, not multi-GB ones.
 */
import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, relative, sep } from 'node:path';

export type FaultKind =
  'reset' | 'stall' | 'status' | 'rate-limit' | 'ignore-range' | 'corrupt' | 'truncate' | 'slow';

export interface Fault {
  kind: FaultKind;
  /** How many matching requests it applies to (default 1; `Infinity` for every one). */
  times?: number;
  /** A file of the repo (`onnx/decoder_model_merged.onnx`); default: any request. */
  path?: string;
  /** reset, stall, truncate: bytes of the body sent first (default half of it). */
  afterBytes?: number;
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
  fault?: FaultKind;
  /** When it arrived (ms since the epoch). */
  at: number;
}

interface HubFile {
  rfilename: string;
  size: number;
  sha256: string;
  data: Buffer;
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

async function filesUnder(root: string, dir = root): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(root, path)));
    else if (entry.isFile()) out.push(relative(root, path).split(sep).join('/'));
  }
  return out.sort();
}

async function loadRepo(id: string, dir: string): Promise<HubRepo> {
  const files: HubFile[] = [];
  for (const rfilename of await filesUnder(dir)) {
    const data = await readFile(join(dir, ...rfilename.split('/')));
    files.push({
      rfilename,
      size: data.length,
      sha256: createHash('sha256').update(data).digest('hex'),
      data,
    });
  }
  const tree = files.map((f) => `${f.rfilename}\0${f.sha256}\n`).join('');
  return { id, commit: createHash('sha1').update(`${id}\n${tree}`).digest('hex'), files };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class LocalHub {
  readonly requests: ServedRequest[] = [];
  private faults: Fault[] = [];
  private readonly bySha = new Map<string, HubFile>();

  private constructor(
    private readonly server: Server,
    private readonly repos: Map<string, HubRepo>,
    readonly url: string,
  ) {
    for (const repo of repos.values()) for (const file of repo.files) this.bySha.set(file.sha256, file);
  }

  /** Serves each `repo id → folder` (ids like `tessera-test/smolvlm-tiny`). */
  static async start(repos: Record<string, string>): Promise<LocalHub> {
    const loaded = new Map<string, HubRepo>();
    for (const [id, dir] of Object.entries(repos)) loaded.set(id, await loadRepo(id, dir));
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
    if (resolve) log.file = resolve[3];
    if (cdnFile) log.file = cdnFile.rfilename;

    if (method !== 'GET' && method !== 'HEAD') return send(405, {});
    const fault = this.takeFault(log.file, cdnFile !== undefined && method === 'GET');
    if (fault) log.fault = fault.kind;
    if (fault?.kind === 'status') return send(fault.status ?? 500, {}, 'injected failure');
    if (fault?.kind === 'rate-limit') return send(429, { 'Retry-After': String(fault.retryAfter ?? 1) });

    if (api) {
      const repo = this.repos.get(api[1] ?? '');
      if (!repo || (api[2] !== 'main' && api[2] !== repo.commit)) return notFound();
      const siblings = repo.files.map((f) => ({
        rfilename: f.rfilename,
        size: f.size,
        lfs: { sha256: f.sha256, size: f.size },
      }));
      return send(
        200,
        { 'Content-Type': 'application/json' },
        JSON.stringify({ id: repo.id, sha: repo.commit, siblings }),
      );
    }
    if (resolve) {
      const repo = this.repos.get(resolve[1] ?? '');
      const file = repo?.files.find((f) => f.rfilename === resolve[3]);
      if (!repo || !file || (resolve[2] !== 'main' && resolve[2] !== repo.commit)) return notFound();
      return send(302, {
        Location: `${this.url}/cdn/${file.sha256}`,
        'X-Repo-Commit': repo.commit,
        'X-Linked-Etag': `"${file.sha256}"`,
        'X-Linked-Size': file.size,
        ETag: `"${file.sha256}"`,
      });
    }
    if (!cdnFile) return notFound();
    return this.serveBytes(req, res, cdnFile, fault, log);
  }

  private async serveBytes(
    req: IncomingMessage,
    res: ServerResponse,
    file: HubFile,
    fault: Fault | undefined,
    log: ServedRequest,
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
    let body = file.data.subarray(start, end + 1);
    const headers: Record<string, string | number> = {
      'Content-Type': 'application/octet-stream',
      'Content-Length': body.length,
      'Accept-Ranges': 'bytes',
      ETag: `"${file.sha256}"`,
    };
    if (status === 206) headers['Content-Range'] = `bytes ${start}-${end}/${file.size}`;
    log.status = status;
    res.writeHead(status, headers);
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    if (fault?.kind === 'corrupt' && body.length > 0) {
      body = Buffer.from(body);
      const at = Math.floor(body.length / 2);
      body[at] = (body[at] ?? 0) ^ 0xff;
    }
    const write = (chunk: Buffer) => {
      if (res.destroyed) return false;
      res.write(chunk);
      log.bytesSent += chunk.length;
      return true;
    };
    const cut = Math.min(body.length, fault?.afterBytes ?? Math.floor(body.length / 2));
    switch (fault?.kind) {
      case 'reset':
        write(body.subarray(0, cut));
        await sleep(20);
        res.socket?.resetAndDestroy();
        return;
      case 'truncate':
        write(body.subarray(0, cut));
        await sleep(20);
        res.socket?.end();
        return;
      case 'stall':
        write(body.subarray(0, cut));
        return; // nothing more until the client gives up (or close() ends the connection)
      case 'slow': {
        const rate = fault.bytesPerSecond ?? 64 * 1024;
        const piece = Math.max(1, Math.floor(rate / 20));
        for (let at = 0; at < body.length; at += piece) {
          if (!write(body.subarray(at, at + piece))) return;
          await sleep(50);
        }
        res.end();
        return;
      }
      default:
        write(body);
        res.end();
    }
  }
}
