import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HashingFileSink } from './file-sink.ts';
import { Sha256, stopHashWorker } from './sha256.ts';

const scratch = mkdtempSync(join(tmpdir(), 'tessera-sink-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const MiB = 1 << 20;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** Odd-sized pieces, as a network delivers them. */
function* pieces(data: Buffer): Generator<Buffer> {
  for (let at = 0, i = 0; at < data.length; i++) {
    const size = 1 + ((i * 7919) % 70_000);
    yield data.subarray(at, at + size);
    at += size;
  }
}

describe('HashingFileSink', () => {
  it('writes and hashes every byte in order, after what a resumed file already holds', async () => {
    const path = join(scratch, 'resume.bin');
    const data = randomBytes(5 * MiB + 12345);
    const have = 100_001;
    writeFileSync(path, data.subarray(0, have));
    const hash = new Sha256();
    const prefix = hash.updateFromFile(path, have);
    const handle = await open(path, 'r+');
    const sink = new HashingFileSink(handle, hash, have);
    for (const piece of pieces(data.subarray(have))) await sink.push(piece);
    await sink.finish();
    await handle.close();
    await prefix;
    expect(readFileSync(path).equals(data)).toBe(true);
    expect(await hash.digest()).toBe(sha256(data));
  });

  it('writes gathered bytes once they have waited, so a slow link loses little when the process dies', async () => {
    const path = join(scratch, 'slow.bin');
    const handle = await open(path, 'w');
    const sink = new HashingFileSink(handle, new Sha256(), 0);
    await sink.push(Buffer.alloc(1000, 1));
    await sleep(120);
    expect(statSync(path).size).toBe(0); // gathered, not written yet: the block is far from full
    await sink.push(Buffer.alloc(500, 2));
    const deadline = Date.now() + 5000;
    while (statSync(path).size < 1500 && Date.now() < deadline) await sleep(10);
    expect(statSync(path).size).toBe(1500);
    await sink.finish();
    await handle.close();
  });

  it('keeps what arrived when abandoned (pause, cancel, a network error)', async () => {
    const path = join(scratch, 'abandon.bin');
    const data = randomBytes(3 * MiB + 77);
    const handle = await open(path, 'w');
    const sink = new HashingFileSink(handle, new Sha256(), 0);
    for (const piece of pieces(data)) await sink.push(piece);
    await sink.abandon();
    await handle.close();
    expect(readFileSync(path).equals(data)).toBe(true);
  });

  it('reports a failed write, writes nothing after it and cuts the file back to its whole prefix', async () => {
    const path = join(scratch, 'full.bin');
    const data = randomBytes(6 * MiB);
    const real = await open(path, 'w');
    // The disk fills up in the third MiB: its write stores half the block, as a short write does, then fails
    // with ENOSPC. Later blocks must not be written, and the half block must be cut off.
    const full = Object.create(real) as FileHandle;
    const writesAt: number[] = [];
    full.write = (async (buffer: Uint8Array, offset: number, length: number, position: number) => {
      writesAt.push(position);
      if (position < 3 * MiB && position + length > 2 * MiB) {
        await real.write(buffer, offset, length / 2, position);
        await sleep(50);
        throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
      }
      return real.write(buffer, offset, length, position);
    }) as FileHandle['write'];
    const sink = new HashingFileSink(full, new Sha256(), 0);
    const failure = await (async () => {
      for (const piece of pieces(data)) await sink.push(piece);
      await sink.finish();
    })().catch((error: unknown) => error);
    expect((failure as NodeJS.ErrnoException).code).toBe('ENOSPC');
    await sink.abandon();
    await real.close();
    expect(Math.max(...writesAt)).toBe(2 * MiB);
    expect(readFileSync(path).equals(data.subarray(0, 2 * MiB))).toBe(true);
  });

  it('hashes and writes a file many times the size of its ring of blocks, in order', async () => {
    const path = join(scratch, 'large.bin');
    const data = randomBytes(21 * MiB + 4321);
    const handle = await open(path, 'w');
    const hash = new Sha256();
    const sink = new HashingFileSink(handle, hash, 0);
    for (const piece of pieces(data)) await sink.push(piece);
    await sink.finish();
    await handle.close();
    expect(await hash.digest()).toBe(sha256(data));
    expect(readFileSync(path).equals(data)).toBe(true);
  });

  it('fails when the hash worker stops, keeping a whole prefix of what arrived', async () => {
    const path = join(scratch, 'worker-stopped.bin');
    const data = randomBytes(12 * MiB);
    const handle = await open(path, 'w');
    const sink = new HashingFileSink(handle, new Sha256(), 0);
    let pushed = 0;
    const failure = await (async () => {
      for (const piece of pieces(data)) {
        await sink.push(piece);
        pushed += piece.byteLength;
        if (pushed > 3 * MiB) void stopHashWorker();
      }
      await sink.finish();
    })().catch((error: unknown) => error);
    expect(String(failure)).toMatch(/sha256 worker/);
    await sink.abandon();
    await handle.close();
    const kept = readFileSync(path);
    expect(kept.length).toBeLessThan(data.length);
    expect(kept.equals(data.subarray(0, kept.length))).toBe(true);
    // The next hash gets a new worker.
    const next = new Sha256();
    await next.updateMoving(new Uint8Array(data.subarray(0, 1000)).buffer, 1000);
    expect(await next.digest()).toBe(sha256(data.subarray(0, 1000)));
  });

  it('takes nothing more once finished', async () => {
    const handle = await open(join(scratch, 'finished.bin'), 'w');
    const hash = new Sha256();
    const sink = new HashingFileSink(handle, hash, 0);
    await sink.push(Buffer.from('model bytes'));
    await sink.finish();
    await handle.close();
    await expect(sink.push(Buffer.from('more'))).rejects.toThrow(/finished/);
    expect(await hash.digest()).toBe(sha256(Buffer.from('model bytes')));
  });
});
