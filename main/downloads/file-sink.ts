/**
 * Where a download's bytes go: a file and a sha256. Network chunks (about 64 KiB each) are copied into a
 * ring of 1 MiB blocks. Each full block is written by libuv's thread pool, then moves to the sha256 worker
 * thread (sha256.ts) to be hashed and comes back empty, while the next blocks fill and write: the thread
 * reading the network only copies bytes, and reading, writing and hashing run on three cores where there
 * are three. The blocks are allocated once and move between threads without a copy. They are not shared
 * memory: V8 copies into shared memory with relaxed atomic stores, several times slower than memcpy (in a
 * profile, 8–11 % of a download's CPU against 2 %).
 *
 * Writes go one at a time, in order: several at once on one file only wait for each other on the file's
 * lock (a profile shows them spinning on it). After a failed write nothing more is written, so the file is
 * always a whole prefix of the download. A background `fdatasync` every 256 MiB keeps the final sync short.
 * On a slow link a block is written once it has waited `MAX_GATHER_MS`, so a killed process loses well under
 * one chunk.
 */
import type { FileHandle } from 'node:fs/promises';
import type { WorkerHash } from './sha256.ts';

const BLOCK_BYTES = 1 << 20;
/** Blocks in the ring: one filling, the rest being written or hashed. Bounds memory at 8 MiB a download. */
const RING_BLOCKS = 8;
/** Written bytes between background data syncs. */
const SYNC_EVERY_BYTES = 256 << 20;
const MAX_GATHER_MS = 50;

export class HashingFileSink {
  /** Empty blocks; the one filling is `block`, the others are being written or hashed. */
  private readonly free: ArrayBuffer[] = [];
  private block = new Uint8Array(BLOCK_BYTES);
  private used = 0;
  private gatheringSince = 0;
  /** Wakes a push() waiting for an empty block. */
  private wake: (() => void) | undefined;
  /** The last block queued: each is written, then hashed, one after another. */
  private queue: Promise<void> = Promise.resolve();
  private readonly hashing = new Set<Promise<void>>();
  private syncing: Promise<void> | undefined;
  private unsynced = 0;
  private failure: unknown;
  private failed = false;
  private done = false;
  /** Start of the block whose write failed: the file is whole only before it. */
  private brokenAt: number | undefined;

  /**
   * `hash` has seen every byte before `position` (the partial file's length when resuming); `position` is
   * where the first pushed byte goes. Writes carry explicit positions: open the file without `O_APPEND`
   * (`r+`/`w`), which would make Linux ignore them.
   */
  constructor(
    private readonly handle: FileHandle,
    private readonly hash: WorkerHash,
    private position: number,
  ) {
    for (let i = 1; i < RING_BLOCKS; i++) this.free.push(new ArrayBuffer(BLOCK_BYTES));
  }

  /** Takes one chunk (copied; the caller may reuse it). Resolves at once unless every block is busy. */
  async push(chunk: Uint8Array): Promise<void> {
    this.throwIfFailed();
    if (this.done) throw new Error('This download sink is finished.');
    if (this.used === 0) this.gatheringSince = performance.now();
    let offset = 0;
    while (offset < chunk.byteLength) {
      const take = Math.min(chunk.byteLength - offset, BLOCK_BYTES - this.used);
      this.block.set(chunk.subarray(offset, offset + take), this.used);
      this.used += take;
      offset += take;
      if (this.used === BLOCK_BYTES) await this.emitAndTakeNext();
    }
    if (this.used > 0 && performance.now() - this.gatheringSince > MAX_GATHER_MS) {
      await this.emitAndTakeNext();
    }
  }

  /** Writes what is gathered, waits for every write and hash, and syncs the file to disk. */
  async finish(): Promise<void> {
    this.throwIfFailed();
    this.done = true;
    if (this.used > 0) this.emit();
    await this.settle();
    this.throwIfFailed();
    await this.handle.sync();
  }

  /**
   * After an error or abort: keeps what arrived (the next attempt resumes after it), waits for the writes,
   * and cuts the file back to its whole prefix if a write failed. Does not sync.
   */
  async abandon(): Promise<void> {
    if (!this.done && !this.failed && this.used > 0) this.emit();
    this.done = true;
    await this.settle();
    if (this.brokenAt !== undefined) await this.handle.truncate(this.brokenAt);
  }

  private async settle(): Promise<void> {
    await this.queue;
    await Promise.all([...this.hashing, this.syncing]);
  }

  private async emitAndTakeNext(): Promise<void> {
    this.emit();
    while (this.free.length === 0 && !this.failed) await new Promise<void>((wake) => (this.wake = wake));
    this.throwIfFailed();
    this.block = new Uint8Array(this.free.pop() ?? new ArrayBuffer(BLOCK_BYTES));
    this.gatheringSince = performance.now();
  }

  /** Queues the gathered bytes: written at their position, then hashed; the block comes back empty. */
  private emit(): void {
    const bytes = this.block.subarray(0, this.used);
    const at = this.position;
    this.position += bytes.byteLength;
    this.used = 0;
    this.queue = this.queue.then(async () => {
      if (this.failed) return this.recycle(bytes.buffer);
      try {
        await writeAll(this.handle, bytes, at);
      } catch (error) {
        this.brokenAt = at;
        this.fail(error);
        return this.recycle(bytes.buffer);
      }
      this.written(bytes.byteLength);
      // Queued in file order, so the worker hashes the blocks in order.
      const hashed = this.hash.updateMoving(bytes.buffer, bytes.byteLength).then(
        (empty) => this.recycle(empty),
        (error: unknown) => this.fail(error), // the block stays with the stopped worker
      );
      this.hashing.add(hashed);
      void hashed.finally(() => this.hashing.delete(hashed));
    });
  }

  private recycle(buffer: ArrayBuffer): void {
    this.free.push(buffer);
    this.wakeUp();
  }

  private wakeUp(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private written(bytes: number): void {
    this.unsynced += bytes;
    if (this.unsynced < SYNC_EVERY_BYTES || this.syncing) return;
    this.unsynced = 0;
    this.syncing = this.handle.datasync().then(
      () => {
        this.syncing = undefined;
      },
      (error: unknown) => {
        this.syncing = undefined;
        this.fail(error);
      },
    );
  }

  private fail(error: unknown): void {
    if (this.failed) return;
    this.failed = true;
    this.failure = error;
    this.wakeUp();
  }

  private throwIfFailed(): void {
    if (this.failed) throw this.failure;
  }
}

/** A regular file may take fewer bytes than asked (a full disk): write the rest, or fail trying. */
async function writeAll(handle: FileHandle, bytes: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < bytes.byteLength) {
    const { bytesWritten } = await handle.write(bytes, done, bytes.byteLength - done, position + done);
    if (bytesWritten === 0)
      throw new Error(`wrote 0 of ${bytes.byteLength - done} bytes at ${position + done}`);
    done += bytesWritten;
  }
}
