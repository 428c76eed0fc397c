/**
 * better-sqlite3 is a native module, and Electron's Node has another ABI than the Node that runs the
 * tests, the CLI and `tessera serve`. Rather than rebuilding node_modules back and forth, `npm start`
 * builds a second copy of the binding for Electron into dist/electron/native/ (once per Electron
 * version), and the Electron main process loads it through better-sqlite3's `nativeBinding` option.
 * Packaged apps do not use it: electron-builder rebuilds node_modules for Electron inside the package.
 */
import { spawn } from 'node:child_process';
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
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ELECTRON_SQLITE_BINDING = join('native', 'better_sqlite3.node');
/** Where node-gyp fetches Electron's headers unless ELECTRON_REBUILD_DIST_URL names a mirror. */
const DEFAULT_HEADERS_URL = 'https://www.electronjs.org/headers';

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
    // A throwaway project holding only better-sqlite3, so node_modules keeps its Node build. It must list
    // better-sqlite3 as a dependency: @electron/rebuild only rebuilds the project's declared dependencies.
    const source = dirname(require.resolve('better-sqlite3/package.json'));
    const copy = join(work, 'node_modules', 'better-sqlite3');
    cpSync(source, copy, { recursive: true, filter: (path) => !path.includes(`${source}/build`) });
    const { version } = require('better-sqlite3/package.json') as { version: string };
    const project = {
      name: 'sqlite-for-electron',
      private: true,
      dependencies: { 'better-sqlite3': version },
    };
    writeFileSync(join(work, 'package.json'), JSON.stringify(project));
    const built = join(copy, 'build', 'Release', 'better_sqlite3.node');
    const log = join(dirname(binding), 'rebuild.log');
    mkdirSync(dirname(binding), { recursive: true });
    const { code, output } = await runRebuild(work, electronVersion);
    writeFileSync(log, output);
    if (code !== 0 || !existsSync(built)) throw new Error(rebuildFailure(electronVersion, output, log));
    copyFileSync(built, binding);
    writeFileSync(stamp, electronVersion);
    return binding;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * @electron/rebuild's command line in a plain Node child: run in this process, its node-gyp worker would
 * inherit `--import tsx` (fork copies execArgv) and fail to resolve tsx from the throwaway project.
 */
function runRebuild(work: string, electronVersion: string): Promise<{ code: number | null; output: string }> {
  // Loaded only here: it is electron-builder's, needed only when preparing `npm start`.
  const cli = join(dirname(require.resolve('@electron/rebuild')), 'cli.js');
  const args = [
    cli,
    '--version',
    electronVersion,
    '--module-dir',
    work,
    '--only',
    'better-sqlite3',
    '--force',
  ];
  // npm passes its `nodedir` setting on to node-gyp, which would then build against that Node's headers
  // (a binding Electron refuses to load); Electron's headers come from ELECTRON_REBUILD_DIST_URL or its site.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => name.toLowerCase() !== 'npm_config_nodedir'),
  );
  const child = spawn(process.execPath, args, { cwd: work, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const chunks: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => chunks.push(chunk));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output: Buffer.concat(chunks).toString() }));
  });
}

/** Errors of a download: the only network access of a rebuild is node-gyp fetching Electron's headers. */
const NETWORK_ERROR =
  /E(?:CONNREFUSED|CONNRESET|NOTFOUND|AI_AGAIN|TIMEDOUT|HOSTUNREACH|NETUNREACH)|network connectivity|response downloading|bad port|fetch failed|certificate/;

/** One line: what failed and what it needs, from the rebuild's output (the whole output is in `log`). */
export function rebuildFailure(electronVersion: string, output: string, log: string): string {
  const what = `Could not build better-sqlite3 for Electron ${electronVersion}`;
  const shortLog = relative(process.cwd(), log);
  const where = `full output in ${shortLog.startsWith('..') ? log : shortLog}`;
  const error = /^\w*Error: (.+)$/m.exec(output)?.[1]?.trim() ?? 'no error message';
  if (NETWORK_ERROR.test(output)) {
    const url = process.env.ELECTRON_REBUILD_DIST_URL || DEFAULT_HEADERS_URL;
    // node-gyp replaces a DNS failure (ENOTFOUND) with a paragraph about proxies.
    const reason = /network connectivity/.test(output) ? 'no network: the host name did not resolve' : error;
    return (
      `${what}: node-gyp could not download Electron's headers from ${url} (${reason}). ` +
      `\`npm start\` needs the internet once, or ELECTRON_REBUILD_DIST_URL set to a mirror of them; ${where}.`
    );
  }
  return `${what} (${error}); building it needs python3, make and a C++ compiler; ${where}.`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  // The output folder is an argument only for the tests; `npm start` builds into dist/electron/.
  const out = process.argv[2] ?? fileURLToPath(new URL('../../dist/electron/', import.meta.url));
  try {
    console.log(`better-sqlite3 for Electron: ${await prepareElectronSqlite(out)}`);
  } catch (error) {
    console.error(`tessera: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}
