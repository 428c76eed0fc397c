/**
 * SHA-256 (and git's blob SHA-1, for the Hub's small files) on a worker thread. Hashing costs about 0.7–0.9 CPU s per GB even with the CPU's SHA extensions,
 * about as much as reading the network and writing the file together; on the thread that reads the network
 * (in the desktop app, the main process's, which also answers the window) it would double that thread's
 * work during a download.
 *
 * One worker per process, started on first use and shared by every hash in progress (downloads in
 * parallel, verifications). It is referenced only while a request is pending, so it never keeps a process
 * alive, and it ends after a while with no hash open. A download's blocks move to the worker and back
 * (transferred, not copied).
 */
import { Worker } from 'node:worker_threads';

/**
 * The worker's code: plain JavaScript evaluated from this string, so it needs no file on disk and runs the
 * same under tsx, in the bundled Electron main process and in a packaged app. It takes its modules from
 * process.getBuiltinModule, which works whether the string is run as a script or as a module.
 */
const WORKER_SOURCE = `
const { parentPort } = process.getBuiltinModule('node:worker_threads');
const { createHash } = process.getBuiltinModule('node:crypto');
const { closeSync, openSync, readSync } = process.getBuiltinModule('node:fs');
const open = new Map();
const scratch = Buffer.allocUnsafe(1 << 20);
const stateOf = (id) => {
  let state = open.get(id);
  if (!state) open.set(id, (state = { hash: createHash('sha256') }));
  return state;
};
function hashFile(hash, path, length) {
  const fd = openSync(path, 'r');
  try {
    for (let at = 0; length === undefined || at < length; ) {
      const want = length === undefined ? scratch.length : Math.min(scratch.length, length - at);
      const got = readSync(fd, scratch, 0, want, at);
      if (got === 0) {
        if (length === undefined) return;
        throw new Error(path + ' has ' + at + ' bytes, fewer than the ' + length + ' to hash');
      }
      hash.update(scratch.subarray(0, got));
      at += got;
    }
  } finally {
    closeSync(fd);
  }
}
parentPort.on('message', (m) => {
  try {
    let value;
    let transfer;
    if (m.op === 'block') {
      stateOf(m.hash).hash.update(new Uint8Array(m.buffer, 0, m.length));
      value = m.buffer;
      transfer = [m.buffer];
    } else if (m.op === 'init') {
      const hash = createHash(m.algorithm);
      if (m.prefix) hash.update(m.prefix);
      open.set(m.hash, { hash });
    } else if (m.op === 'file') {
      hashFile(stateOf(m.hash).hash, m.path, m.length);
    } else if (m.op === 'digest') {
      value = stateOf(m.hash).hash.digest('hex');
      open.delete(m.hash);
    } else if (m.op === 'drop') {
      open.delete(m.hash);
    }
    parentPort.postMessage({ id: m.id, value }, transfer);
  } catch (error) {
    parentPort.postMessage({ id: m.id, error: { message: String(error && error.message), code: error && error.code } });
  }
});
`;

/** With no hash open for this long, the worker ends (it holds a V8 isolate, ~10 MB). */
const IDLE_MS = 30_000;

export type HashAlgorithm = 'sha256' | 'sha1';

type Request =
  | { op: 'init'; hash: number; algorithm: HashAlgorithm; prefix?: string }
  | { op: 'block'; hash: number; buffer: ArrayBuffer; length: number }
  | { op: 'file'; hash: number; path: string; length?: number }
  | { op: 'digest'; hash: number }
  | { op: 'drop'; hash: number };

interface Reply {
  id: number;
  value?: string | ArrayBuffer;
  error?: { message: string; code?: string };
}

class HashWorker {
  // No execArgv: the worker needs none of the process's flags (a TypeScript loader would only slow its start).
  private readonly worker = new Worker(WORKER_SOURCE, { eval: true, execArgv: [] });
  private readonly pending = new Map<
    number,
    { resolve: (value: unknown) => void; reject: (e: Error) => void }
  >();
  private nextId = 0;
  private stoppedBy: Error | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  /** Hashes begun and not yet digested or dropped. */
  private openHashes = 0;

  constructor(private readonly onStop: (worker: HashWorker) => void) {
    this.worker.unref();
    this.worker.on('message', (reply: Reply) => this.answer(reply));
    this.worker.on('error', (error) => this.stop(new Error(`The sha256 worker failed: ${error.message}`)));
    this.worker.on('exit', (code) => this.stop(new Error(`The sha256 worker stopped (exit code ${code}).`)));
  }

  get stopped(): boolean {
    return this.stoppedBy !== undefined;
  }

  /** `transfer`: buffers that move to the worker (they are detached here) instead of being copied. */
  request(message: Request, transfer?: ArrayBuffer[]): Promise<unknown> {
    if (this.stoppedBy) return Promise.reject(this.stoppedBy);
    const id = this.nextId++;
    if (this.pending.size === 0) this.worker.ref(); // a pending answer keeps the process waiting for it
    clearTimeout(this.idleTimer);
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...message, id }, transfer);
    });
  }

  /** Ends the worker; requests in flight and hashes still open fail. */
  async terminate(): Promise<void> {
    this.stop(new Error('The sha256 worker was stopped.'));
    await this.worker.terminate();
  }

  hashOpened(): void {
    this.openHashes++;
    clearTimeout(this.idleTimer);
  }

  /** Called when a hash is digested or dropped: with none open and nothing pending, start the idle clock. */
  hashClosed(): void {
    this.openHashes--;
    this.idleIfQuiet();
  }

  private answer(reply: Reply): void {
    const waiter = this.pending.get(reply.id);
    if (!waiter) return;
    this.pending.delete(reply.id);
    if (reply.error) waiter.reject(Object.assign(new Error(reply.error.message), { code: reply.error.code }));
    else waiter.resolve(reply.value);
    if (this.pending.size === 0) {
      this.worker.unref();
      this.idleIfQuiet();
    }
  }

  private idleIfQuiet(): void {
    if (this.openHashes > 0 || this.pending.size > 0 || this.stoppedBy) return;
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => void this.terminate(), IDLE_MS);
    this.idleTimer.unref();
  }

  private stop(reason: Error): void {
    if (this.stoppedBy) return;
    this.stoppedBy = reason;
    clearTimeout(this.idleTimer);
    this.onStop(this);
    for (const waiter of this.pending.values()) waiter.reject(reason);
    this.pending.clear();
  }
}

let shared: HashWorker | undefined;

function hashWorker(): HashWorker {
  if (!shared || shared.stopped) {
    shared = new HashWorker((stopped) => {
      if (shared === stopped) shared = undefined;
    });
  }
  return shared;
}

/** Ends the shared worker now (hashes in progress fail); the next hash starts a new one. */
export async function stopHashWorker(): Promise<void> {
  await shared?.terminate();
}

/**
 * One hash, computed on the worker in the order the calls are made; each call resolves once hashed.
 * `prefix` is hashed before any byte given later (git's `blob <size>\0` header).
 */
export class WorkerHash {
  private readonly worker = hashWorker();
  private readonly id: number;
  private static nextId = 0;
  private closed = false;

  constructor(algorithm: HashAlgorithm = 'sha256', prefix?: string) {
    this.id = WorkerHash.nextId++;
    this.worker.hashOpened();
    if (algorithm !== 'sha256' || prefix !== undefined) {
      // Queued before any block, so the worker starts this hash with the algorithm and prefix; a stopped
      // worker fails the later calls too, which is where the caller hears of it.
      const init = {
        op: 'init',
        hash: this.id,
        algorithm,
        ...(prefix !== undefined ? { prefix } : {}),
      } as const;
      this.worker.request(init).catch(() => {});
    }
  }

  /**
   * Hashes the first `length` bytes of `buffer` without copying them: the buffer moves to the worker (it is
   * detached here) and comes back, as the ArrayBuffer this resolves to, once hashed.
   */
  updateMoving(buffer: ArrayBuffer, length: number): Promise<ArrayBuffer> {
    this.assertOpen();
    return this.worker.request({ op: 'block', hash: this.id, buffer, length }, [
      buffer,
    ]) as Promise<ArrayBuffer>;
  }

  /** Hashes a file's first `length` bytes (all of it when omitted); fails if the file is shorter. */
  updateFromFile(path: string, length?: number): Promise<void> {
    this.assertOpen();
    return this.worker
      .request({ op: 'file', hash: this.id, path, ...(length !== undefined ? { length } : {}) })
      .then(() => {});
  }

  /** The hex digest of everything hashed; the hash is finished afterwards. */
  async digest(): Promise<string> {
    this.assertOpen();
    this.closed = true;
    try {
      return (await this.worker.request({ op: 'digest', hash: this.id })) as string;
    } finally {
      this.worker.hashClosed();
    }
  }

  /** Drops an unfinished hash (a failed or paused download); safe to call more than once. */
  dispose(): void {
    if (this.closed) return;
    this.closed = true;
    this.worker.request({ op: 'drop', hash: this.id }).catch(() => {}); // a stopped worker has dropped it
    this.worker.hashClosed();
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('This hash is finished: create another.');
  }
}

/** A SHA-256 on the worker. */
export class Sha256 extends WorkerHash {
  constructor() {
    super('sha256');
  }
}

/**
 * Git's object id of a file of `size` bytes (what the Hub lists as `blobId` and sends as the `ETag` of a
 * file kept in git rather than LFS): SHA-1 of `blob <size>\0` followed by the bytes.
 */
export function gitBlobHash(size: number): WorkerHash {
  return new WorkerHash('sha1', `blob ${size}\0`);
}

/** The sha256 (hex) of a whole file, read and hashed on the worker. */
export function sha256OfFile(path: string): Promise<string> {
  return hashFile(new Sha256(), path);
}

/**
 * The git blob id (hex) a file would have if it held `size` bytes (the size it should have): a file of
 * another length gets an id that matches nothing.
 */
export function gitBlobIdOfFile(path: string, size: number): Promise<string> {
  return hashFile(gitBlobHash(size), path);
}

async function hashFile(hash: WorkerHash, path: string): Promise<string> {
  try {
    await hash.updateFromFile(path);
    return await hash.digest();
  } finally {
    hash.dispose();
  }
}
