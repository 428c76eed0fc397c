#!/usr/bin/env node
// Runs the bundled CLI (dist/cli/tessera.mjs: `npm install` builds it, or `npm run build:cli`). A checkout
// without the bundle runs the TypeScript through tsx, a devDependency, where it is installed.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const bundle = new URL('../dist/cli/tessera.mjs', import.meta.url);
if (existsSync(bundle)) {
  await import(bundle.href);
} else {
  const tsx = await import('tsx/esm/api').catch((error) => {
    if (error?.code === 'ERR_MODULE_NOT_FOUND') return null;
    throw error;
  });
  if (tsx) {
    tsx.register();
    await import('../main/cli/index.ts');
  } else {
    const missing = fileURLToPath(bundle);
    console.error(`tessera: the command line is not built (no ${missing}). Run "npm run build:cli".`);
    process.exitCode = 1;
  }
}
