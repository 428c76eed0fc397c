/**
 * The Electron copy of better-sqlite3: reused while it matches the installed Electron, loadable by path, and
 * a rebuild that fails (here: Electron's headers cannot be downloaded) ends `npm start`'s preparation with
 * one line saying what failed and what it needs.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../store/store.ts';
import { ELECTRON_SQLITE_BINDING, prepareElectronSqlite, rebuildFailure } from './native-sqlite.ts';

const require = createRequire(import.meta.url);
const electronVersion = (require('electron/package.json') as { version: string }).version;
const scratch = mkdtempSync(join(tmpdir(), 'tessera-native-sqlite-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('the Electron build of better-sqlite3', () => {
  it('is not rebuilt while its stamp matches the installed Electron version', async () => {
    const binding = join(scratch, ELECTRON_SQLITE_BINDING);
    mkdirSync(dirname(binding), { recursive: true });
    writeFileSync(binding, 'already built');
    writeFileSync(`${binding}.electron-version`, electronVersion);
    const before = statSync(binding).mtimeMs;
    expect(await prepareElectronSqlite(scratch)).toBe(binding);
    expect(readFileSync(binding, 'utf8')).toBe('already built');
    expect(statSync(binding).mtimeMs).toBe(before);
  });

  it('is loaded through the nativeBinding option, and a wrong one is refused', () => {
    const nodeBinding = join(
      dirname(require.resolve('better-sqlite3/package.json')),
      'build',
      'Release',
      'better_sqlite3.node',
    );
    const store = openStore(join(scratch, 'data'), { nativeBinding: nodeBinding });
    expect(store.createThread('via an explicit binding').title).toBe('via an explicit binding');
    store.close();
    expect(() =>
      openStore(join(scratch, 'data2'), { nativeBinding: join(scratch, 'missing.node') }),
    ).toThrow();
  });

  it("fails in one line, without a stack, when Electron's headers cannot be downloaded", async () => {
    const port = await closedPort();
    const out = join(scratch, 'offline');
    const result = spawnSync(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(new URL('./native-sqlite.ts', import.meta.url)), out],
      {
        encoding: 'utf8',
        // A fresh HOME: no headers cached in ~/.electron-gyp by an earlier build on this machine.
        env: {
          ...process.env,
          HOME: join(scratch, 'home'),
          ELECTRON_REBUILD_DIST_URL: `http://127.0.0.1:${port}`,
        },
      },
    );
    const log = join(out, 'native', 'rebuild.log');
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([
      `tessera: Could not build better-sqlite3 for Electron ${electronVersion}: node-gyp could not download ` +
        `Electron's headers from http://127.0.0.1:${port} (connect ECONNREFUSED 127.0.0.1:${port}). ` +
        `\`npm start\` needs the internet once, or ELECTRON_REBUILD_DIST_URL set to a mirror of them; ` +
        `full output in ${log}.`,
    ]);
    // The rebuild really ran (it was silently skipped before) and its output is kept for whoever digs.
    expect(readFileSync(log, 'utf8')).toContain('Building modules: better-sqlite3');
    expect(existsSync(join(out, ELECTRON_SQLITE_BINDING))).toBe(false);
  });

  it('names a failed DNS lookup as no network (node-gyp hides ENOTFOUND behind a paragraph)', () => {
    // What node-gyp printed here with no network and the default headers URL.
    const output = [
      'Building modules: better-sqlite3',
      'Error: This is most likely not a problem with node-gyp or the package itself and',
      'is related to network connectivity. In most cases you are behind a proxy or have bad ',
      '    at go (node_modules/node-gyp/lib/install.js:244:21)',
    ].join('\n');
    const previous = process.env.ELECTRON_REBUILD_DIST_URL;
    delete process.env.ELECTRON_REBUILD_DIST_URL;
    try {
      expect(rebuildFailure('45.5.0', output, '/x/rebuild.log')).toBe(
        "Could not build better-sqlite3 for Electron 45.5.0: node-gyp could not download Electron's headers " +
          'from https://www.electronjs.org/headers (no network: the host name did not resolve). `npm start` ' +
          'needs the internet once, or ELECTRON_REBUILD_DIST_URL set to a mirror of them; full output in /x/rebuild.log.',
      );
    } finally {
      if (previous !== undefined) process.env.ELECTRON_REBUILD_DIST_URL = previous;
    }
  });

  it('names the compiler toolchain when the build itself fails', () => {
    const output =
      'Building modules: better-sqlite3\nError: not found: make\n    at getNotFoundError (which.js:16:17)';
    expect(rebuildFailure('45.5.0', output, '/x/rebuild.log')).toBe(
      'Could not build better-sqlite3 for Electron 45.5.0 (not found: make); building it needs python3, make ' +
        'and a C++ compiler; full output in /x/rebuild.log.',
    );
  });
});

/** A loopback port nothing listens on: taken from the OS, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}
