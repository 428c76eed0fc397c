/**
 * Nothing the Hub sends is trusted unchecked, against the local hub on 127.0.0.1: a small (git) file is
 * verified by its blob id as an LFS file is by its sha256, a listing whose sizes or hashes cannot be checked
 * is refused before any byte and without retrying, and answers read into memory (file lists, config.json)
 * stop at a limit, in the library and in the CLI.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { testModelDir } from '../../models/testing/test-models.ts';
import { LocalHub, type ServedRequest } from '../hub/local-hub.ts';
import { LISTING_LIMIT, TEXT_FILE_LIMIT } from './bounded-body.ts';
import { MANIFEST, downloadModel, isModelComplete, readManifest } from './download-model.ts';
import { HubClient } from './hub-client.ts';
import { expectSameFiles, until } from './testing.ts';

const REPO = 'tessera-test/smolvlm-tiny';
const FOLDER = 'tessera-test--smolvlm-tiny';
const TEMPLATE = 'chat_template.json';
const BIG = 'onnx/decoder_model_merged.onnx';
const MiB = 1024 * 1024;
const bin = fileURLToPath(new URL('../../bin/tessera.mjs', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'tessera-verify-'));
const servers: Server[] = [];
let source: string;
let hub: LocalHub;
let n = 0;

const fresh = () => join(scratch, `models-${n++}`);
const options = () => ({ endpoint: hub.url, backoffMs: 10, maxBackoffMs: 2000, stallMs: 400, retries: 3 });
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function tessera(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

beforeAll(async () => {
  source = await testModelDir({ family: 'smolvlm', size: 'tiny', dtype: 'fp32', seed: 1 });
  hub = await LocalHub.start({ [REPO]: source });
});

afterAll(async () => {
  await hub?.close();
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  rmSync(scratch, { recursive: true, force: true });
});

beforeEach(() => hub.clearFaults());

describe('small files are verified by their git blob id', () => {
  it('fetches a small file again when a corrupted copy (same size) fails its check', async () => {
    const before = hub.requests.length;
    hub.inject({ kind: 'corrupt', path: TEMPLATE });
    const { dir, manifest } = await downloadModel({ repo: REPO, modelsDir: fresh(), client: options() });
    const gets = hub.requests.slice(before).filter((r) => r.file === TEMPLATE && r.method === 'GET');
    expect(gets.map((r) => [r.status, r.fault])).toEqual([
      [200, 'corrupt'],
      [200, undefined],
    ]);
    await expectSameFiles(dir, source);
    expect(manifest.files.find((f) => f.path === TEMPLATE)).toEqual({
      path: TEMPLATE,
      size: readFileSync(join(source, TEMPLATE)).length,
      blobId: expect.stringMatching(/^[0-9a-f]{40}$/),
    });
    expect(await isModelComplete(dir, { hash: true })).toBe(true);
  });

  it('never installs a small file that stays corrupt, and writes the manifest only once it verifies', async () => {
    hub.inject({ kind: 'corrupt', path: TEMPLATE, times: Infinity });
    const modelsDir = fresh();
    const dir = join(modelsDir, FOLDER);
    await expect(downloadModel({ repo: REPO, modelsDir, client: options() })).rejects.toThrow(
      /^chat_template\.json failed its git blob id check \(expected [0-9a-f]{40}, got [0-9a-f]{40}\); gave up after 4 attempts\.$/,
    );
    expect(existsSync(join(dir, TEMPLATE))).toBe(false);
    expect(existsSync(join(dir, MANIFEST))).toBe(false);
    expect(await isModelComplete(dir)).toBe(false);

    hub.clearFaults();
    await downloadModel({ repo: REPO, modelsDir, client: options() });
    await expectSameFiles(dir, source);
    expect((await readManifest(dir))?.commit).toBe(hub.commit(REPO));

    // Damaged after install without changing its size: only the hash check sees it.
    const bytes = readFileSync(join(dir, TEMPLATE));
    bytes[10] = (bytes[10] ?? 0) ^ 1;
    writeFileSync(join(dir, TEMPLATE), bytes);
    expect(await isModelComplete(dir)).toBe(true);
    expect(await isModelComplete(dir, { hash: true })).toBe(false);
  });
});

describe('a listing that cannot be checked is refused at once', () => {
  type Sibling = { rfilename: string; size?: unknown; blobId?: unknown; lfs?: Record<string, unknown> };

  /** A hub whose file list is the local hub's, edited; every other request is sent on to the local hub. */
  async function editedHub(edit: (siblings: Sibling[]) => void): Promise<{ url: string; seen: string[] }> {
    const listing = `/api/models/${REPO}/revision/main?blobs=true`;
    const body = (await (await fetch(`${hub.url}${listing}`)).json()) as { siblings: Sibling[] };
    edit(body.siblings);
    const seen: string[] = [];
    const server = createServer((req, res) => {
      seen.push(req.url ?? '');
      if (req.url === listing) res.writeHead(200, { 'Content-Type': 'application/json' });
      else res.writeHead(302, { Location: `${hub.url}${req.url ?? ''}` });
      res.end(req.url === listing ? JSON.stringify(body) : undefined);
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
  }

  const entry = (siblings: Sibling[], path: string) => siblings.find((s) => s.rfilename === path) as Sibling;
  const lfsOf = (siblings: Sibling[], path: string) => entry(siblings, path).lfs as Record<string, unknown>;

  const broken: [string, (siblings: Sibling[]) => void, RegExp][] = [
    ['a size of -5', (s) => void (entry(s, 'config.json').size = -5), /config\.json a size of -5, which/],
    ['a size of 1.5', (s) => void (entry(s, 'config.json').size = 1.5), /config\.json a size of 1\.5,/],
    ['a size in a string', (s) => void (entry(s, 'config.json').size = '12'), /a size of "12",/],
    [
      'a negative LFS size',
      (s) => void (lfsOf(s, BIG).size = -5),
      /decoder_model_merged\.onnx a size of -5,/,
    ],
    [
      'a bad LFS sha256',
      (s) => void (lfsOf(s, BIG).sha256 = 'nope'),
      /an LFS sha256 of "nope", which is not/,
    ],
    ['a bad blob id', (s) => void (entry(s, TEMPLATE).blobId = 'abc'), /a blob id of "abc", which is not/],
  ];
  for (const [what, edit, message] of broken) {
    it(`refuses ${what} with one request and no retry`, async () => {
      const { url, seen } = await editedHub(edit);
      const began = Date.now();
      // Default backoff: six tries would take over 15 s.
      const attempt = downloadModel({ repo: REPO, modelsDir: fresh(), client: { endpoint: url } });
      await expect(attempt).rejects.toThrow(message);
      await expect(attempt).rejects.toThrow(/Tessera does not download from a listing it cannot check\.$/);
      expect(Date.now() - began).toBeLessThan(2000);
      expect(seen).toEqual([`/api/models/${REPO}/revision/main?blobs=true`]);
    });
  }

  it('refuses a file without a hash before fetching any file', async () => {
    const { url, seen } = await editedHub((siblings) => {
      delete entry(siblings, TEMPLATE).blobId;
    });
    const modelsDir = fresh();
    await expect(downloadModel({ repo: REPO, modelsDir, client: { endpoint: url } })).rejects.toThrow(
      `The Hub gave no hash (LFS sha256 or git blob id) for ${TEMPLATE} in ${REPO}, so it cannot be verified; ` +
        'Tessera does not download it.',
    );
    expect(seen).toHaveLength(1);
    expect(existsSync(join(modelsDir, FOLDER))).toBe(false);
  });

  it('refuses a size that is no byte count in a download asked for directly', async () => {
    const before = hub.requests.length;
    const file = { path: 'config.json', size: -5, blobId: 'a'.repeat(40) };
    await expect(
      new HubClient({ endpoint: hub.url }).downloadFile(
        REPO,
        hub.commit(REPO),
        file,
        join(fresh(), 'c.json'),
      ),
    ).rejects.toThrow(`The size of config.json in ${REPO}, -5, is not a whole number of bytes.`);
    expect(hub.requests.length).toBe(before);
  });
});

describe('answers read into memory are bounded', () => {
  const listingUrl = `/api/models/${REPO}/revision/main?blobs=true`;

  /** The request the oversized fault answered, once the hub has seen its client go away. */
  async function abandoned(before: number): Promise<ServedRequest> {
    const served = hub.requests.slice(before).filter((r) => r.fault === 'oversized');
    expect(served).toHaveLength(1);
    const log = served[0] as ServedRequest;
    await until(() => log.abandoned === true, 'the hub to see the connection closed', 5000);
    return log;
  }

  it('refuses a file list over 32 MiB from its Content-Length, before reading the body', async () => {
    const bytes = LISTING_LIMIT.bytes + 32 * MiB;
    hub.inject({ kind: 'oversized', bytes });
    const before = hub.requests.length;
    await expect(new HubClient(options()).snapshot(REPO)).rejects.toThrow(
      new RegExp(
        `^The Hub's answer for the file list of ${escape(REPO)}@main \\(${escape(hub.url + listingUrl)}\\) ` +
          'is larger than 32 MiB, the most Tessera reads for a file list; it stopped reading\\.$',
      ),
    );
    expect(hub.requests.length - before).toBe(1); // not retried
    expect((await abandoned(before)).bytesSent).toBeLessThan(LISTING_LIMIT.bytes);
  });

  it('stops reading a chunked file list once it passes 32 MiB', async () => {
    const bytes = LISTING_LIMIT.bytes + 32 * MiB;
    hub.inject({ kind: 'oversized', bytes, chunked: true });
    const before = hub.requests.length;
    await expect(new HubClient(options()).snapshot(REPO)).rejects.toThrow(/larger than 32 MiB/);
    expect((await abandoned(before)).bytesSent).toBeLessThan(bytes);
  });

  it('stops reading a chunked config.json once it passes 16 MiB', async () => {
    const bytes = TEXT_FILE_LIMIT.bytes + 32 * MiB;
    hub.inject({ kind: 'oversized', path: 'config.json', bytes, chunked: true });
    const before = hub.requests.length;
    const read = new HubClient(options()).fetchText(REPO, hub.commit(REPO), 'config.json');
    await expect(read).rejects.toThrow(
      new RegExp(
        `^The Hub's answer for config\\.json of ${escape(REPO)} \\(${escape(hub.url)}/${escape(REPO)}/resolve/` +
          `${hub.commit(REPO)}/config\\.json\\) is larger than 16 MiB, the most Tessera reads for a config file; ` +
          'it stopped reading\\.$',
      ),
    );
    expect((await abandoned(before)).bytesSent).toBeLessThan(bytes);
  });

  it('tessera inspect and pull fail in one line on an oversized config or file list', async () => {
    hub.inject({ kind: 'oversized', path: 'config.json', bytes: TEXT_FILE_LIMIT.bytes + 32 * MiB });
    const inspect = await tessera('inspect', REPO, '--endpoint', hub.url);
    expect(inspect.code).toBe(1);
    expect(inspect.stderr.trim().split('\n')).toHaveLength(1);
    expect(inspect.stderr).toMatch(
      /^tessera inspect: .*The Hub's answer for config\.json .* larger than 16 MiB/,
    );

    const before = hub.requests.length;
    hub.inject({ kind: 'oversized', bytes: LISTING_LIMIT.bytes + 32 * MiB, chunked: true });
    const modelsDir = fresh();
    const pull = await tessera('pull', REPO, '--endpoint', hub.url, '--models-dir', modelsDir);
    expect(pull.code).toBe(1);
    expect(pull.stderr.trim().split('\n')).toHaveLength(1);
    expect(pull.stderr).toMatch(/^tessera pull: The Hub's answer for the file list .* larger than 32 MiB/);
    expect((await abandoned(before)).bytesSent).toBeLessThan(LISTING_LIMIT.bytes + 32 * MiB);
    expect(existsSync(join(modelsDir, FOLDER, MANIFEST))).toBe(false);
  });
});
