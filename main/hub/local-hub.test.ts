/**
 * The local hub on its own: repos given as files in place (with or without a precomputed sha256), git and
 * LFS files listed and resolved as the Hub does, bodies streamed from disk with ranges, every byte fault on
 * a body longer than one read chunk, and oversized answers.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LocalHub } from './local-hub.ts';

const REPO = 'tessera-test/in-place';
const FILE = 'weights/model.bin';
const scratch = mkdtempSync(join(tmpdir(), 'tessera-hub-'));
const data = randomBytes(3 * 1024 * 1024 + 12_345); // more than one read chunk
const path = join(scratch, 'model.bin');
const sha256 = createHash('sha256').update(data).digest('hex');
let hub: LocalHub;

const cdnUrl = () => `${hub.url}/cdn/${sha256}`;

async function get(url: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, { headers });
  return { response, body: Buffer.from(await response.arrayBuffer()) };
}

/** Reads what a faulty response sends until the connection ends (or `ms` pass), without failing. */
async function partial(url: string, ms = 2000): Promise<Buffer> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), ms);
  const chunks: Buffer[] = [];
  try {
    const response = await fetch(url, { signal: controller.signal });
    const reader = response.body?.getReader();
    for (;;) {
      const { done, value } = (await reader?.read()) ?? { done: true, value: undefined };
      if (done) break;
      chunks.push(Buffer.from(value));
    }
  } catch {
    // reset, or our own abort of a stalled response
  } finally {
    clearTimeout(timer);
  }
  return Buffer.concat(chunks);
}

beforeAll(async () => {
  writeFileSync(path, data);
  writeFileSync(join(scratch, 'config.json'), '{"a":1}');
  hub = await LocalHub.start({
    [REPO]: { files: { [FILE]: path, 'config.json': join(scratch, 'config.json') } },
  });
});

afterAll(async () => {
  await hub?.close();
  rmSync(scratch, { recursive: true, force: true });
});

beforeEach(() => hub.clearFaults());

describe('repos of files given by path', () => {
  it('lists them with size and sha256 and serves them whole, by range and by /resolve/', async () => {
    const api = (await (await fetch(`${hub.url}/api/models/${REPO}/revision/main?blobs=true`)).json()) as {
      sha: string;
      siblings: { rfilename: string; size: number; lfs: { sha256: string } }[];
    };
    expect(api.sha).toBe(hub.commit(REPO));
    expect(api.siblings.map((s) => s.rfilename)).toEqual(['config.json', FILE]);
    expect(api.siblings[1]).toMatchObject({ size: data.length, lfs: { sha256 } });
    const whole = await get(`${hub.url}/${REPO}/resolve/main/${FILE}`);
    expect(whole.response.status).toBe(200);
    expect(whole.body.equals(data)).toBe(true);
    const range = await get(cdnUrl(), { Range: 'bytes=1048570-2097160' });
    expect(range.response.status).toBe(206);
    expect(range.response.headers.get('content-range')).toBe(`bytes 1048570-2097160/${data.length}`);
    expect(range.body.equals(data.subarray(1048570, 2097161))).toBe(true);
    const tail = await get(cdnUrl(), { Range: `bytes=${data.length - 10}-` });
    expect(tail.body.equals(data.subarray(data.length - 10))).toBe(true);
    expect((await get(cdnUrl(), { Range: `bytes=${data.length}-` })).response.status).toBe(416);
  });

  it('trusts a given sha256 instead of hashing, checks a given size, and refuses unsafe names', async () => {
    const big = join(scratch, 'sparse.bin');
    writeFileSync(big, '');
    truncateSync(big, 64 * 1024 * 1024);
    const given = 'ab'.repeat(32); // not the file's hash: it shows the hub did not compute one
    await hub.addRepo('tessera-test/given', { files: { 'big.bin': { path: big, sha256: given } } });
    const api = (await (
      await fetch(`${hub.url}/api/models/tessera-test/given/revision/main?blobs=true`)
    ).json()) as {
      siblings: { size: number; lfs: { sha256: string } }[];
    };
    expect(api.siblings[0]).toMatchObject({ size: 64 * 1024 * 1024, lfs: { sha256: given } });
    await expect(hub.addRepo('tessera-test/bad', { files: { 'x.bin': { path, size: 1 } } })).rejects.toThrow(
      /not the 1 given/,
    );
    await expect(hub.addRepo('tessera-test/bad', { files: { '../x.bin': path } })).rejects.toThrow(
      /not a repo file name/,
    );
  });

  it('streams a large file without holding it in memory', async () => {
    const big = join(scratch, 'sparse-large.bin');
    writeFileSync(big, '');
    truncateSync(big, 256 * 1024 * 1024);
    await hub.addRepo('tessera-test/large', {
      files: { 'large.bin': { path: big, sha256: 'cd'.repeat(32) } },
    });
    const before = process.memoryUsage().rss;
    let peak = before;
    let bytes = 0;
    const response = await fetch(`${hub.url}/tessera-test/large/resolve/main/large.bin`);
    const reader = response.body?.getReader();
    for (;;) {
      const { done, value } = (await reader?.read()) ?? { done: true, value: undefined };
      if (done) break;
      bytes += value.byteLength;
      peak = Math.max(peak, process.memoryUsage().rss);
    }
    expect(bytes).toBe(256 * 1024 * 1024);
    expect(peak - before).toBeLessThan(128 * 1024 * 1024);
  });
});

describe('git files and LFS files, as the Hub presents them', () => {
  it('lists sizes and hashes only with ?blobs=true: a blob id for each file, the LFS sha256 for LFS files', async () => {
    const hello = join(scratch, 'hello.txt');
    writeFileSync(hello, 'Hello, World!');
    await hub.addRepo('tessera-test/hello', { files: { 'hello.txt': hello, 'weights/model.bin': path } });
    const list = async (query: string) =>
      (
        (await (await fetch(`${hub.url}/api/models/tessera-test/hello/revision/main${query}`)).json()) as {
          siblings: Record<string, unknown>[];
        }
      ).siblings;
    expect(await list('')).toEqual([{ rfilename: 'hello.txt' }, { rfilename: 'weights/model.bin' }]);
    const pointer = `version https://git-lfs.github.com/spec/v1\noid sha256:${sha256}\nsize ${data.length}\n`;
    expect(await list('?blobs=true')).toEqual([
      // `git hash-object` of "Hello, World!", as huggingface_hub's git_hash documents it.
      { rfilename: 'hello.txt', blobId: 'b45ef6fec89518d314f546fd6c3025367b721684', size: 13 },
      {
        rfilename: 'weights/model.bin',
        blobId: createHash('sha1').update(`blob ${pointer.length}\0${pointer}`).digest('hex'),
        size: data.length,
        lfs: { sha256, size: data.length, pointerSize: pointer.length },
      },
    ]);
  });

  it('answers a git file on /resolve/ itself with its blob id as ETag, and redirects an LFS file', async () => {
    const config = `${hub.url}/${REPO}/resolve/main/config.json`;
    const head = await fetch(config, { method: 'HEAD', redirect: 'manual' });
    expect(head.status).toBe(200);
    expect(head.headers.get('etag')).toBe(`"${createHash('sha1').update('blob 7\0{"a":1}').digest('hex')}"`);
    expect(head.headers.get('x-repo-commit')).toBe(hub.commit(REPO));
    expect(head.headers.get('x-linked-etag')).toBeNull();
    expect((await get(config)).body.toString()).toBe('{"a":1}');
    expect((await get(config, { Range: 'bytes=1-3' })).body.toString()).toBe('"a"');
    const lfs = await fetch(`${hub.url}/${REPO}/resolve/main/${FILE}`, {
      method: 'HEAD',
      redirect: 'manual',
    });
    expect(lfs.status).toBe(302);
    expect(lfs.headers.get('x-linked-etag')).toBe(`"${sha256}"`);
    expect(lfs.headers.get('location')).toBe(cdnUrl());
  });

  it('corrupt flips the middle byte of a git file, leaving its size alone', async () => {
    hub.inject({ kind: 'corrupt', path: 'config.json' });
    const { response, body } = await get(`${hub.url}/${REPO}/resolve/main/config.json`);
    expect(response.headers.get('content-length')).toBe('7');
    const want = Buffer.from('{"a":1}');
    want[3] = (want[3] ?? 0) ^ 0xff;
    expect(body.equals(want)).toBe(true);
  });
});

describe('oversized answers', () => {
  const listing = () => `${hub.url}/api/models/${REPO}/revision/main?blobs=true`;

  it('sends `bytes` of filler, with a Content-Length unless chunked', async () => {
    hub.inject({ kind: 'oversized', bytes: 3_000_000 });
    const sized = await get(listing());
    expect(sized.response.headers.get('content-length')).toBe('3000000');
    expect(sized.body.length).toBe(3_000_000);
    expect(sized.body.subarray(0, 13).toString()).toBe('{"padding":"x');
    hub.inject({ kind: 'oversized', path: 'config.json', bytes: 2_500_000, chunked: true });
    const chunked = await get(`${hub.url}/${REPO}/resolve/main/config.json`);
    expect(chunked.response.headers.get('content-length')).toBeNull();
    expect(chunked.body.length).toBe(2_500_000);
  });

  it('stops sending when the client goes away, and says so', async () => {
    hub.inject({ kind: 'oversized', bytes: 256 * 1024 * 1024 });
    const controller = new AbortController();
    const response = await fetch(listing(), { signal: controller.signal });
    await response.body?.getReader().read();
    controller.abort();
    const log = hub.requests.at(-1);
    const end = Date.now() + 5000;
    while (!log?.abandoned && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    expect(log?.abandoned).toBe(true);
    expect(log?.bytesSent).toBeLessThan(64 * 1024 * 1024);
  });
});

describe('byte faults on a streamed body', () => {
  it('corrupt flips exactly the middle byte of what is sent, ranges included', async () => {
    hub.inject({ kind: 'corrupt', path: FILE, times: 2 });
    const whole = await get(cdnUrl());
    const diff = [...whole.body.keys()].filter((i) => whole.body[i] !== data[i]);
    expect(diff).toEqual([Math.floor(data.length / 2)]);
    const start = 1_000_000;
    const range = await get(cdnUrl(), { Range: `bytes=${start}-` });
    const sent = data.subarray(start);
    const rangeDiff = [...range.body.keys()].filter((i) => range.body[i] !== sent[i]);
    expect(rangeDiff).toEqual([Math.floor(sent.length / 2)]);
  });

  it('reset, truncate and stall send afterBytes (default half) and no more', async () => {
    hub.inject({ kind: 'reset', path: FILE, afterBytes: 1_500_000 });
    expect((await partial(cdnUrl())).equals(data.subarray(0, 1_500_000))).toBe(true);
    hub.inject({ kind: 'truncate', path: FILE });
    expect((await partial(cdnUrl())).equals(data.subarray(0, Math.floor(data.length / 2)))).toBe(true);
    hub.inject({ kind: 'stall', path: FILE, afterBytes: 2_500_000 });
    expect((await partial(cdnUrl(), 500)).equals(data.subarray(0, 2_500_000))).toBe(true);
    const logged = hub.requests.slice(-3).map((r) => [r.fault, r.bytesSent]);
    expect(logged).toEqual([
      ['reset', 1_500_000],
      ['truncate', Math.floor(data.length / 2)],
      ['stall', 2_500_000],
    ]);
  });

  it('ignore-range answers 200 with the whole file; slow paces the body', async () => {
    hub.inject({ kind: 'ignore-range', path: FILE });
    const ignored = await get(cdnUrl(), { Range: 'bytes=100-' });
    expect(ignored.response.status).toBe(200);
    expect(ignored.body.equals(data)).toBe(true);
    hub.inject({ kind: 'slow', path: 'config.json', bytesPerSecond: 40 }); // 2 bytes every 50 ms
    const began = Date.now();
    const slow = await get(`${hub.url}/${REPO}/resolve/main/config.json`);
    expect(slow.body.toString()).toBe('{"a":1}');
    expect(Date.now() - began).toBeGreaterThanOrEqual(140); // 4 pieces, 50 ms apart: the last at 150 ms
    expect(readFileSync(path).equals(data)).toBe(true); // served in place, never written
  });
});
