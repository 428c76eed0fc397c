import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { Sha256, sha256OfFile, stopHashWorker } from './sha256.ts';

const scratch = mkdtempSync(join(tmpdir(), 'tessera-sha256-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const expected = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
/** Hashes a copy of `bytes` (in a block of its own that moves to the worker). */
const hashCopy = (hash: Sha256, bytes: Uint8Array) =>
  hash.updateMoving(new Uint8Array(bytes).buffer, bytes.byteLength).then(() => {});

describe('Sha256 (worker thread)', () => {
  it('hashes blocks that move to the worker and back, in call order', async () => {
    const data = randomBytes(3_000_001);
    const blocks = [new ArrayBuffer(1 << 20), new ArrayBuffer(1 << 20)];
    const hash = new Sha256();
    for (let at = 0, i = 0; at < data.length; i++) {
      const size = Math.min(data.length - at, 1 + ((i * 7919) % 300_000));
      const piece = data.subarray(at, at + size);
      if (i % 3 === 2) {
        await hashCopy(hash, piece);
      } else {
        const block = blocks.pop();
        if (!block) throw new Error('no block');
        new Uint8Array(block).set(piece);
        const moving = hash.updateMoving(block, size);
        expect(block.byteLength).toBe(0); // detached: it is the worker's until it comes back
        const back = await moving;
        expect(back.byteLength).toBe(1 << 20);
        blocks.push(back);
      }
      at += size;
    }
    expect(await hash.digest()).toBe(expected(data));
  });

  it('hashes a file, or its first bytes (a partial download being resumed)', async () => {
    const path = join(scratch, 'partial.bin');
    const data = randomBytes(2 * (1 << 20) + 17);
    writeFileSync(path, data);
    expect(await sha256OfFile(path)).toBe(expected(data));
    const prefix = new Sha256();
    await prefix.updateFromFile(path, 1_500_000);
    await hashCopy(prefix, Buffer.from('tail'));
    expect(await prefix.digest()).toBe(
      expected(Buffer.concat([data.subarray(0, 1_500_000), Buffer.from('tail')])),
    );
  });

  it('says which file is too short, and which is missing', async () => {
    const path = join(scratch, 'short.bin');
    writeFileSync(path, Buffer.alloc(10));
    const hash = new Sha256();
    await expect(hash.updateFromFile(path, 11)).rejects.toThrow(`${path} has 10 bytes, fewer than the 11`);
    hash.dispose();
    await expect(sha256OfFile(join(scratch, 'nope.bin'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('keeps hashes in progress at once apart', async () => {
    const a = randomBytes(500_000);
    const b = randomBytes(700_000);
    const ha = new Sha256();
    const hb = new Sha256();
    const pending: Promise<void>[] = [];
    for (let at = 0; at < b.length; at += 100_000) {
      if (at < a.length) pending.push(hashCopy(ha, a.subarray(at, at + 100_000)));
      pending.push(hashCopy(hb, b.subarray(at, at + 100_000)));
    }
    await Promise.all(pending);
    expect(await Promise.all([ha.digest(), hb.digest()])).toEqual([expected(a), expected(b)]);
  });

  it('refuses bytes after its digest', async () => {
    const hash = new Sha256();
    await hashCopy(hash, Buffer.from('x'));
    await hash.digest();
    expect(() => hash.updateMoving(new ArrayBuffer(1), 1)).toThrow(/finished/);
    hash.dispose(); // harmless
  });

  it('fails hashes in progress when the worker stops, and starts a new worker for the next', async () => {
    const hash = new Sha256();
    await hashCopy(hash, Buffer.from('before'));
    await stopHashWorker();
    await expect(hashCopy(hash, Buffer.from('after'))).rejects.toThrow(/sha256 worker/);
    expect(await sha256OfFile(fileURLToPath(import.meta.url))).toMatch(/^[0-9a-f]{64}$/);
  });

  it('does not keep a process alive once its hashes are done', () => {
    const module = fileURLToPath(new URL('./sha256.ts', import.meta.url));
    const script = `const { Sha256 } = await import(${JSON.stringify(module)});
      const hash = new Sha256(); await hash.updateMoving(new Uint8Array([1, 2, 3]).buffer, 3); console.log(await hash.digest());`;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(child.error).toBeUndefined(); // a timeout would mean the worker held the process open
    expect(child.status).toBe(0);
    expect(child.stdout.trim()).toBe(expected(new Uint8Array([1, 2, 3])));
  });
});
