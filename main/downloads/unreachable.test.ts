/**
 * An unreachable Hub (a closed port on 127.0.0.1, over real HTTP): the error names the address and says
 * why, and a refused connection fails after one quick retry instead of the whole backoff.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HubClient } from './hub-client.ts';

const REPO = 'tessera-test/smolvlm-tiny';
const COMMIT = 'a'.repeat(40);

/** A port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe('an unreachable Hub', () => {
  let endpoint: string;
  let dir: string;
  beforeAll(async () => {
    endpoint = `http://127.0.0.1:${await closedPort()}`;
    dir = mkdtempSync(join(tmpdir(), 'tessera-unreachable-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // The default policy (5 retries from 500 ms) would take several seconds.
  const client = () => new HubClient({ endpoint });
  const message = () =>
    new RegExp(
      `^Could not connect to ${endpoint.replaceAll('.', '\\.')} \\(connection refused\\); gave up after 2 attempts\\.$`,
    );

  it('names the address, and gives up quickly, when listing a repo', async () => {
    const started = Date.now();
    await expect(client().snapshot(REPO)).rejects.toThrow(message());
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('names the address, and gives up quickly, when downloading a file', async () => {
    const started = Date.now();
    await expect(
      client().downloadFile(
        REPO,
        COMMIT,
        { path: 'config.json', size: 2, sha256: 'b'.repeat(64) },
        join(dir, 'config.json'),
      ),
    ).rejects.toThrow(message());
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('keeps to the policy when it allows no retry', async () => {
    await expect(new HubClient({ endpoint, retries: 0 }).snapshot(REPO)).rejects.toThrow(
      /\(connection refused\); gave up after 1 attempt\.$/,
    );
  });
});
