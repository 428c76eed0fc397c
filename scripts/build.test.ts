/**
 * The bundles build: the Electron ones (a self-contained preload that needs nothing but `electron`), and the
 * CLI and engine ones, which run as they ship — the CLI answers, the engine says ready without tsx.
 */
import { fork, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { buildCli, buildElectron } from './build.ts';

const root = fileURLToPath(new URL('../', import.meta.url));
const out = mkdtempSync(join(tmpdir(), 'tessera-build-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** Relative imports of TypeScript files: a bundle must have none (own code is inlined). */
const TS_IMPORT = /(from|import\()\s*["'][^"']+\.ts["']/;

describe('buildElectron', () => {
  it('writes main.js, engine.js and a self-contained preload.cjs', async () => {
    await buildElectron(join(out, 'electron'));
    expect(
      readdirSync(join(out, 'electron'))
        .filter((f) => !f.endsWith('.map'))
        .sort(),
    ).toEqual(['engine.js', 'main.js', 'preload.cjs']);
    const preload = readFileSync(join(out, 'electron', 'preload.cjs'), 'utf8');
    const required = [...preload.matchAll(/require\(["']([^"']+)["']\)/g)].map((m) => m[1]);
    expect(new Set(required)).toEqual(new Set(['electron']));
    expect(preload).toContain('exposeInMainWorld');
    const main = readFileSync(join(out, 'electron', 'main.js'), 'utf8');
    expect(main).toMatch(/from ["']electron["']/);
    expect(main).not.toMatch(TS_IMPORT);
    const engine = readFileSync(join(out, 'electron', 'engine.js'), 'utf8');
    expect(engine).toMatch(/from ["']onnxruntime-node["']/);
  });
});

describe('buildCli', () => {
  it('writes the CLI and the engine entry, importing only npm packages and Node built-ins', async () => {
    await buildCli(join(out, 'dist'));
    expect(readdirSync(join(out, 'dist', 'cli')).filter((f) => !f.endsWith('.map'))).toEqual(['tessera.mjs']);
    expect(readdirSync(join(out, 'dist', 'engine')).filter((f) => !f.endsWith('.map'))).toEqual([
      'entry.mjs',
    ]);
    const cli = readFileSync(join(out, 'dist', 'cli', 'tessera.mjs'), 'utf8');
    const engine = readFileSync(join(out, 'dist', 'engine', 'entry.mjs'), 'utf8');
    expect(cli).not.toMatch(TS_IMPORT);
    expect(engine).not.toMatch(TS_IMPORT);
    expect(engine).toMatch(/from ["']onnxruntime-node["']/);
  });

  // The tests' global setup built dist/ from the current source (scripts/test-build.ts).
  it('the built CLI runs', () => {
    const run = spawnSync(process.execPath, [join(root, 'dist', 'cli', 'tessera.mjs'), '--help'], {
      encoding: 'utf8',
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^Usage:\n {2}tessera ask/);
  });

  it('the built engine starts under plain Node and says ready', async () => {
    const engine = fork(join(root, 'dist', 'engine', 'entry.mjs'), [], {
      execArgv: [],
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    try {
      const message = await new Promise((resolve, reject) => {
        engine.once('message', resolve);
        engine.once('exit', (code) => reject(new Error(`the engine exited (${code})`)));
      });
      expect(message).toEqual({ type: 'ready', pid: engine.pid });
    } finally {
      engine.kill('SIGKILL');
    }
  });

  it('bin/tessera.mjs without a build and without tsx says how to build', () => {
    const checkout = mkdtempSync(join(tmpdir(), 'tessera-unbuilt-'));
    try {
      mkdirSync(join(checkout, 'bin'));
      copyFileSync(join(root, 'bin', 'tessera.mjs'), join(checkout, 'bin', 'tessera.mjs'));
      const run = spawnSync(process.execPath, [join(checkout, 'bin', 'tessera.mjs'), '--help'], {
        encoding: 'utf8',
      });
      expect(run.status).toBe(1);
      expect(run.stderr.trim()).toBe(
        `tessera: the command line is not built (no ${join(checkout, 'dist', 'cli', 'tessera.mjs')}). ` +
          'Run "npm run build:cli".',
      );
    } finally {
      rmSync(checkout, { recursive: true, force: true });
    }
  });
});
