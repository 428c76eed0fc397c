/**
 * The Hub answers `/resolve/` with a redirect to a CDN on another origin: the download follows it, and the
 * access token goes to the Hub only, never to the CDN.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { type IncomingHttpHeaders, type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { HubClient } from './hub-client.ts';

const bytes = Buffer.alloc(300_000, 7);
const seen: { server: string; url: string | undefined; headers: IncomingHttpHeaders }[] = [];
const scratch = mkdtempSync(join(tmpdir(), 'tessera-redirect-'));
const servers: Server[] = [];

async function listen(name: string, handle: (url: string) => [number, Record<string, string>, Buffer?]) {
  const server = createServer((req, res) => {
    seen.push({ server: name, url: req.url, headers: req.headers });
    const [status, headers, body] = handle(req.url ?? '');
    res.writeHead(status, headers).end(body);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  rmSync(scratch, { recursive: true, force: true });
});

it('follows a cross-origin redirect and drops the Authorization header on it', async () => {
  const cdn = await listen('cdn', () => [200, { 'Content-Length': String(bytes.length) }, bytes]);
  const hub = await listen('hub', (url) => [302, { Location: `${cdn}/blob${url}` }]);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const dest = join(scratch, 'f.bin');
  const client = new HubClient({ endpoint: hub, token: 'hf_secret', retries: 0 });
  await client.downloadFile('a/b', 'c'.repeat(40), { path: 'f.bin', size: bytes.length, sha256 }, dest);
  expect(readFileSync(dest).equals(bytes)).toBe(true);
  expect(seen.map((s) => s.server)).toEqual(['hub', 'cdn']);
  expect(seen[0]?.headers.authorization).toBe('Bearer hf_secret');
  expect(seen[1]?.url).toBe(`/blob/a/b/resolve/${'c'.repeat(40)}/f.bin`);
  expect(seen[1]?.headers.authorization).toBeUndefined();
});
