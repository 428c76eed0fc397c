/**
 * Bundles the Electron entries into dist/electron/ (Electron cannot load TypeScript, and a sandboxed
 * preload cannot import modules): main.js (ESM), preload.cjs (CommonJS, self-contained), engine.js (the
 * utilityProcess entry). npm packages stay external: electron-builder ships node_modules, and native
 * modules (onnxruntime-node, sharp, better-sqlite3) must load from disk.
 */
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

export async function buildElectron(outdir = `${root}dist/electron`): Promise<void> {
  const common = {
    bundle: true,
    platform: 'node',
    target: 'node22',
    sourcemap: true,
    logLevel: 'warning',
  } as const;
  await Promise.all([
    build({
      ...common,
      entryPoints: { main: `${root}main/electron/main.ts`, engine: `${root}models/engine/entry.ts` },
      outdir,
      format: 'esm',
      packages: 'external',
    }),
    build({
      ...common,
      entryPoints: { preload: `${root}main/electron/preload.ts` },
      outdir,
      outExtension: { '.js': '.cjs' },
      format: 'cjs',
      external: ['electron'],
    }),
  ]);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await buildElectron();
