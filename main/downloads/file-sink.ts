/**
 * Where a download's bytes go: a sha256 and a file. Network chunks (about 64 KiB each) are gathered into
 * 1 MiB blocks, each hashed once on this thread and written by libuv's thread pool while the next block
 * arrives; a periodic `fdatasync` pushes the written data to disk during the transfer, so the final sync
 * waits for the tail only. Per byte this costs far less than a hash update and an awaited write per chunk
 * (bench/README.md, downloads). On a slow link a block is written once it has waited `MAX_GATHER_MS`, so a
 * killed process loses well under one network chunk.
 */
import type { Hash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';

const BLOCK_BYTES = 1 << 20;
/** Blocks written but not yet confirmed before push() waits: bounds memory at a few MiB. */
const MAX_WRITES_IN_FLIGHT = 4;
/** Written bytes between background data syncs. */
const SYNC_EVERY_BYTES = 256 << 20;
const MAX_GATHER_MS = 50;

export class HashingFileSink {
  private block = Buffer.allocUnsafe(BLOCK_BYTES);
  private used = 0;
  private gatheringSince = 0;
  private readonly writes = new Set<Promise<void>>();
  private syncing: Promise<void> | undefined;
  private unsynced = 0;
  private failure: unknown;
  private failed = false;
  /** Start of the first block whose write failed: the file is whole only before it. */
  private brokenAt: number | undefined;

  /**
   * `position`: where the first byte goes (the partial file's length when resuming). Writes carry explicit
   * positions because several run at once on the thread pool; open the file without `O_APPEND` (`r+`/`w`),
   * which would make Linux ignore them.
   */
  constructor(
    private readonly handle: FileHandle,
    private readonly hash: Hash,
    private position: number,
  ) {}

  /** Takes one chunk (copied; the caller may reuse it). Resolves at once unless too many writes are pending. */
  async push(chunk: Uint8Array): Promise<void> {
    this.throwIfFailed();
    if (this.used === 0) this.gatheringSince = performance.now();
    let offset = 0;
    while (offset < chunk.byteLength) {
      const take = Math.min(chunk.byteLength - offset, BLOCK_BYTES - this.used);
      this.block.set(chunk.subarray(offset, offset + take), this.used);
      this.used += take;
      offset += take;
      if (this.used === BLOCK_BYTES) await this.emitGathered();
    }
    if (this.used > 0 && performance.now() - this.gatheringSince > MAX_GATHER_MS) await this.emitGathered();
  }

  /** Writes what is gathered, waits for every write, and syncs the file to disk. */
  async finish(): Promise<void> {
    this.emitTail();
    await this.settle();
    this.throwIfFailed();
    await this.handle.sync();
  }

  /**
   * After an error or abort: keeps what arrived (the next attempt resumes after it), waits for the writes,
   * and cuts the file back to its whole prefix if a write failed. Does not sync.
   */
  async abandon(): Promise<void> {
    if (!this.failed) this.emitTail();
    await this.settle();
    if (this.brokenAt !== undefined) await this.handle.truncate(this.brokenAt);
  }

  private async settle(): Promise<void> {
    await Promise.all([...this.writes, this.syncing]);
  }

  private emitTail(): void {
    if (this.used > 0) this.emit(this.block.subarray(0, this.used));
    this.used = 0;
  }

  private async emitGathered(): Promise<void> {
    const full = this.used === BLOCK_BYTES;
    this.emit(full ? this.block : this.block.subarray(0, this.used));
    // A partly filled block is written from the start of its buffer, so the next bytes need a new one too.
    this.block = Buffer.allocUnsafe(BLOCK_BYTES);
    this.used = 0;
    this.gatheringSince = performance.now();
    if (this.writes.size >= MAX_WRITES_IN_FLIGHT) await Promise.race(this.writes);
    this.throwIfFailed();
  }

  private emit(block: Buffer): void {
    this.hash.update(block);
    // Assigned before the write starts; the next block's position never depends on this one finishing.
    const at = this.position;
    const write = writeAll(this.handle, block, at).then(
      () => this.written(block.byteLength),
      (error: unknown) => {
        this.brokenAt = Math.min(this.brokenAt ?? at, at);
        this.fail(error);
      },
    );
    this.position += block.byteLength;
    this.writes.add(write);
    void write.finally(() => this.writes.delete(write));
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
  }

  private throwIfFailed(): void {
    if (this.failed) throw this.failure;
  }
}

/** A regular file may take fewer bytes than asked (a full disk): write the rest, or fail trying. */
async function writeAll(handle: FileHandle, block: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < block.byteLength) {
    const { bytesWritten } = await handle.write(block, done, block.byteLength - done, position + done);
    if (bytesWritten === 0)
      throw new Error(`wrote 0 of ${block.byteLength - done} bytes at ${position + done}`);
    done += bytesWritten;
  }
}
