import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HashingFileSink } from './file-sink.ts';

const scratch = mkdtempSync(join(tmpdir(), 'tessera-sink-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const MiB = 1 << 20;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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
    const hash = createHash('sha256').update(data.subarray(0, have));
    const handle = await open(path, 'r+');
    const sink = new HashingFileSink(handle, hash, have);
    for (const piece of pieces(data.subarray(have))) await sink.push(piece);
    await sink.finish();
    await handle.close();
    expect(readFileSync(path).equals(data)).toBe(true);
    expect(hash.digest('hex')).toBe(createHash('sha256').update(data).digest('hex'));
  });

  it('writes gathered bytes once they have waited, so a slow link loses little when the process dies', async () => {
    const path = join(scratch, 'slow.bin');
    const handle = await open(path, 'w');
    const sink = new HashingFileSink(handle, createHash('sha256'), 0);
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
    const sink = new HashingFileSink(handle, createHash('sha256'), 0);
    for (const piece of pieces(data)) await sink.push(piece);
    await sink.abandon();
    await handle.close();
    expect(readFileSync(path).equals(data)).toBe(true);
  });

  it('reports a failed write and cuts the file back to its whole prefix', async () => {
    const path = join(scratch, 'full.bin');
    const data = randomBytes(6 * MiB);
    const real = await open(path, 'w');
    // The write of the third MiB fails, as ENOSPC would; writes after it (already under way) succeed, leaving
    // a hole the sink must cut off.
    const full = Object.create(real) as FileHandle;
    full.write = ((buffer: Buffer, offset: number, length: number, position: number) =>
      position < 3 * MiB && position + length > 2 * MiB
        ? sleep(50).then(() => {
            throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
          })
        : real.write(buffer, offset, length, position)) as FileHandle['write'];
    const sink = new HashingFileSink(full, createHash('sha256'), 0);
    const failure = await (async () => {
      for (const piece of pieces(data)) await sink.push(piece);
      await sink.finish();
    })().catch((error: unknown) => error);
    expect((failure as NodeJS.ErrnoException).code).toBe('ENOSPC');
    await sink.abandon();
    await real.close();
    expect(readFileSync(path).equals(data.subarray(0, 2 * MiB))).toBe(true);
  });
});
