import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installModel, testModelDir } from './test-models.ts';

const run = promisify(execFile);
let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'test-models-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('testModelDir', () => {
  it('generates once and reuses the folder', async () => {
    const cacheRoot = join(root, 'reuse');
    const [a, b] = await Promise.all([testModelDir({ cacheRoot }), testModelDir({ cacheRoot })]);
    expect(a).toBe(b);
    expect(await testModelDir({ cacheRoot })).toBe(a);
    expect(await readdir(cacheRoot)).toEqual([a.slice(cacheRoot.length + 1)]);
    expect(await readdir(a)).toContain('config.json');
  });

  it('keys folders by every option', async () => {
    const cacheRoot = join(root, 'keys');
    const dirs = await Promise.all([
      testModelDir({ cacheRoot }),
      testModelDir({ cacheRoot, dtype: 'q4' }),
      testModelDir({ cacheRoot, seed: 2 }),
      testModelDir({ cacheRoot, externalData: true }),
      testModelDir({ cacheRoot, contextLength: 64 }),
    ]);
    expect(new Set(dirs).size).toBe(5);
  });

  it('is safe when two processes ask at once', async () => {
    const cacheRoot = join(root, 'race');
    const module = fileURLToPath(new URL('./test-models.ts', import.meta.url));
    const script =
      `const { testModelDir } = await import(${JSON.stringify(module)});` +
      `console.log(await testModelDir({ cacheRoot: ${JSON.stringify(cacheRoot)}, seed: 9 }));`;
    const child = () => run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script]);
    const [a, b] = await Promise.all([child(), child()]);
    expect(a.stdout.trim()).toBe(b.stdout.trim());
    // One finished folder, no temporary leftovers.
    expect(await readdir(cacheRoot)).toEqual([a.stdout.trim().slice(cacheRoot.length + 1)]);
  });
});

describe('installModel', () => {
  it('moves the folder into place', async () => {
    const temp = join(root, 'install-temp');
    await mkdir(temp);
    await writeFile(join(temp, 'x'), 'mine');
    await installModel(temp, join(root, 'install-dest'));
    expect(await readdir(join(root, 'install-dest'))).toEqual(['x']);
    expect(await readdir(root)).not.toContain('install-temp');
  });

  it('uses the folder another process installed meanwhile and deletes its own', async () => {
    const temp = join(root, 'lost-temp');
    const dest = join(root, 'won-dest');
    await mkdir(temp);
    await writeFile(join(temp, 'x'), 'mine');
    await mkdir(dest);
    await writeFile(join(dest, 'y'), 'theirs');
    await installModel(temp, dest);
    expect(await readdir(dest)).toEqual(['y']);
    expect(await readdir(root)).not.toContain('lost-temp');
  });
});
