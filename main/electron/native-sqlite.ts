/**
 * better-sqlite3 is a native module, and Electron's Node has another ABI than the Node that runs the
 * tests, the CLI and `tessera serve`. Rather than rebuilding node_modules back and forth, `npm start`
 * builds a second copy of the binding for Electron into dist/electron/native/ (once per Electron
 * version), and the Electron main process loads it through better-sqlite3's `nativeBinding` option.
 * Packaged apps do not use it: electron-builder rebuilds node_modules for Electron inside the package.
 */
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ELECTRON_SQLITE_BINDING = join('native', 'better_sqlite3.node');

const require = createRequire(import.meta.url);

function installedElectronVersion(): string {
  return (require('electron/package.json') as { version: string }).version;
}

/** Builds the binding for the installed Electron unless the one in `outDir` is already for it. */
export async function prepareElectronSqlite(outDir: string): Promise<string> {
  const electronVersion = installedElectronVersion();
  const binding = join(outDir, ELECTRON_SQLITE_BINDING);
  const stamp = `${binding}.electron-version`;
  if (existsSync(binding) && existsSync(stamp) && readFileSync(stamp, 'utf8') === electronVersion)
    return binding;

  const work = mkdtempSync(join(tmpdir(), 'tessera-electron-sqlite-'));
  try {
    // A throwaway project holding only better-sqlite3, so node_modules keeps its Node build.
    const source = dirname(require.resolve('better-sqlite3/package.json'));
    const copy = join(work, 'node_modules', 'better-sqlite3');
    cpSync(source, copy, { recursive: true, filter: (path) => !path.includes(`${source}/build`) });
    writeFileSync(join(work, 'package.json'), JSON.stringify({ name: 'sqlite-for-electron', private: true }));
    // Loaded only here: it is electron-builder's, needed only when preparing `npm start`.
    const { rebuild } = await import('@electron/rebuild');
    await rebuild({ buildPath: work, electronVersion, onlyModules: ['better-sqlite3'], force: true });
    mkdirSync(dirname(binding), { recursive: true });
    copyFileSync(join(copy, 'build', 'Release', 'better_sqlite3.node'), binding);
    writeFileSync(stamp, electronVersion);
    return binding;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const out = fileURLToPath(new URL('../../dist/electron/', import.meta.url));
  console.log(`better-sqlite3 for Electron: ${await prepareElectronSqlite(out)}`);
}
