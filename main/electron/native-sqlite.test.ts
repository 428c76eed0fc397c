/** The Electron copy of better-sqlite3: reused while it matches the installed Electron, loadable by path. */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../store/store.ts';
import { ELECTRON_SQLITE_BINDING, prepareElectronSqlite } from './native-sqlite.ts';

const require = createRequire(import.meta.url);
const scratch = mkdtempSync(join(tmpdir(), 'tessera-native-sqlite-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('the Electron build of better-sqlite3', () => {
  it('is not rebuilt while its stamp matches the installed Electron version', async () => {
    const binding = join(scratch, ELECTRON_SQLITE_BINDING);
    mkdirSync(dirname(binding), { recursive: true });
    writeFileSync(binding, 'already built');
    writeFileSync(
      `${binding}.electron-version`,
      (require('electron/package.json') as { version: string }).version,
    );
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
});
