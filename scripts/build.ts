/**
 * The esbuild bundles, all built here: Node and Electron cannot load TypeScript, and transpiling it at
 * start-up (tsx) was most of a CLI command's time. Only the project's own TypeScript is bundled; npm
 * packages stay external (native modules — onnxruntime-node, sharp, better-sqlite3 — must load from disk,
 * and electron-builder ships node_modules).
 *
 * - `buildCli` → dist/cli/tessera.mjs (the `tessera` command, `serve` included; bin/tessera.mjs runs it)
 *   and dist/engine/entry.mjs (the engine process the CLI, `tessera serve` and tests fork,
 *   models/engine/fork.ts). Run by `npm install` (the prepare script) and before every test run
 *   (scripts/test-build.ts). Both sit two folders below the repository root, as their sources do, so a
 *   path found from `import.meta.url` ('../../dist/renderer/') means the same bundled or not.
 * - `buildElectron` → dist/electron/: main.js (ESM), preload.cjs (CommonJS, self-contained: a sandboxed
 *   preload cannot import modules), engine.js (the utilityProcess entry).
 *
 * Usage: node --import tsx scripts/build.ts cli|electron
 */
import { build, type BuildOptions } from 'esbuild';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));

const common = {
  bundle: true,
  platform: 'node',
  sourcemap: true,
  logLevel: 'warning',
} as const satisfies BuildOptions;

/** Own code bundled, npm packages imported from node_modules at run time. */
const nodeEsm = { ...common, format: 'esm', packages: 'external' } as const satisfies BuildOptions;

/**
 * Builds in memory, then replaces each file by a rename: a process starting the CLI or the engine while a
 * build runs (tests in parallel, a second test run) reads the old file or the new one, never half of one.
 */
async function bundle(options: BuildOptions): Promise<void> {
  const { outputFiles } = await build({ ...options, write: false });
  for (const file of outputFiles) {
    mkdirSync(dirname(file.path), { recursive: true });
    const temporary = `${file.path}.${process.pid}.tmp`;
    writeFileSync(temporary, file.contents);
    renameSync(temporary, file.path);
  }
}

export async function buildCli(outdir = `${root}dist`): Promise<void> {
  await bundle({
    ...nodeEsm,
    target: 'node20',
    entryPoints: {
      'cli/tessera': `${root}main/cli/index.ts`,
      'engine/entry': `${root}models/engine/entry.ts`,
    },
    outdir,
    outExtension: { '.js': '.mjs' },
  });
}

export async function buildElectron(outdir = `${root}dist/electron`): Promise<void> {
  await Promise.all([
    bundle({
      ...nodeEsm,
      target: 'node22',
      entryPoints: { main: `${root}main/electron/main.ts`, engine: `${root}models/engine/entry.ts` },
      outdir,
    }),
    bundle({
      ...common,
      target: 'node22',
      entryPoints: { preload: `${root}main/electron/preload.ts` },
      outdir,
      outExtension: { '.js': '.cjs' },
      format: 'cjs',
      external: ['electron'],
    }),
  ]);
}

const TARGETS: Record<string, () => Promise<void>> = {
  cli: () => buildCli(),
  electron: () => buildElectron(),
};

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const target = TARGETS[process.argv[2] ?? ''];
  if (!target) throw new Error(`Usage: build.ts ${Object.keys(TARGETS).join('|')}`);
  await target();
}
