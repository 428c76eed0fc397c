/** The Electron bundles build, and the sandboxed preload needs nothing but `electron`. */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildElectron } from './build.ts';

const out = mkdtempSync(join(tmpdir(), 'tessera-electron-build-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('buildElectron', () => {
  it('writes main.js, engine.js and a self-contained preload.cjs', async () => {
    await buildElectron(out);
    expect(
      readdirSync(out)
        .filter((f) => !f.endsWith('.map'))
        .sort(),
    ).toEqual(['engine.js', 'main.js', 'preload.cjs']);
    const preload = readFileSync(join(out, 'preload.cjs'), 'utf8');
    const required = [...preload.matchAll(/require\(["']([^"']+)["']\)/g)].map((m) => m[1]);
    expect(new Set(required)).toEqual(new Set(['electron']));
    expect(preload).toContain('exposeInMainWorld');
    const main = readFileSync(join(out, 'main.js'), 'utf8');
    expect(main).toMatch(/from ["']electron["']/);
    expect(main).not.toMatch(/(from|import\()\s*["'][^"']+\.ts["']/);
    const engine = readFileSync(join(out, 'engine.js'), 'utf8');
    expect(engine).toMatch(/from ["']onnxruntime-node["']/);
  });
});
