/**
 * The model scan (models.list, and `tessera serve` at start-up) over folders that are not what they claim:
 * each is listed with its problem, or skipped, in a fraction of a second, and never chosen by default.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MODEL_REPO } from '../../app/catalog.ts';
import { familyName } from '../../app/families.ts';
import { FAMILIES } from '../../models/families/registry.ts';
import { testModelDir } from '../../models/testing/test-models.ts';
import { ModelCatalog, scanModels } from './models.ts';

const scratch = mkdtempSync(join(tmpdir(), 'tessera-scan-'));
const parent = join(scratch, 'models');
let base: string;

/** A copy of the tiny model in the scanned folder, changed by `edit`. */
function folder(name: string, edit: (dir: string) => void = () => {}): string {
  const dir = join(parent, name);
  cpSync(base, dir, { recursive: true });
  edit(dir);
  return dir;
}

function replaceWithLink(dir: string, file: string, target: string): void {
  rmSync(join(dir, file));
  symlinkSync(target, join(dir, file));
}

beforeAll(async () => {
  base = await testModelDir({ family: 'smolvlm', size: 'tiny', dtype: 'fp32', seed: 1 });
  mkdirSync(parent);
  // Names sort the broken folders first: the default must still be the sound one.
  folder('a-config-zero', (d) => replaceWithLink(d, 'config.json', '/dev/zero'));
  folder('a-tokenizer-zero', (d) => replaceWithLink(d, 'tokenizer.json', '/dev/zero'));
  folder('a-config-passwd', (d) => replaceWithLink(d, 'config.json', '/etc/passwd'));
  folder('a-config-fifo', (d) => {
    rmSync(join(d, 'config.json'));
    expect(spawnSync('mkfifo', [join(d, 'config.json')]).status).toBe(0);
  });
  folder('a-lfs', (d) =>
    writeFileSync(
      join(d, 'onnx', 'vision_encoder.onnx'),
      `version https://git-lfs.github.com/spec/v1\noid sha256:${'1e'.repeat(32)}\nsize 98765432\n`,
    ),
  );
  folder('a-bad-values', (d) => {
    const config = JSON.parse(readFileSync(join(d, 'config.json'), 'utf8'));
    config.text_config.max_position_embeddings = -5;
    writeFileSync(join(d, 'config.json'), JSON.stringify(config));
  });
  folder('a-unknown-type', (d) => writeFileSync(join(d, 'config.json'), '{"model_type": "mystery_vlm"}'));
  folder('z-sound');
});

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('scanning model folders', () => {
  it('lists each broken folder with its problem, fast, and skips what is no model it knows', () => {
    const started = performance.now();
    const entries = scanModels([parent]);
    expect(performance.now() - started).toBeLessThan(2000);
    const problems = Object.fromEntries(entries.map((e) => [e.name, e.problem]));
    expect(Object.keys(problems)).toEqual([
      'a-bad-values',
      'a-config-fifo',
      'a-config-passwd',
      'a-config-zero',
      'a-lfs',
      'a-tokenizer-zero',
      'z-sound',
    ]);
    expect(problems['a-config-zero']).toBe(
      `${join(parent, 'a-config-zero', 'config.json')} is not a regular file (a device); a model config must be a plain file. ` +
        "Replace it with the model's real config.json, or download the model again.",
    );
    expect(problems['a-config-fifo']).toMatch(/config\.json is not a regular file \(a pipe\)/);
    expect(problems['a-tokenizer-zero']).toMatch(/tokenizer\.json is not a regular file \(a device\)/);
    expect(problems['a-config-passwd']).toMatch(/config\.json is not valid JSON \(at line 1, column 1\)/);
    expect(problems['a-config-passwd']).not.toContain('root:');
    expect(problems['a-lfs']).toBe(
      'onnx/vision_encoder.onnx is a Git LFS pointer (the real file is 98.8 MB): ' +
        `run "git lfs pull" in ${join(parent, 'a-lfs')}, or download the model through Tessera.`,
    );
    expect(problems['a-bad-values']).toMatch(
      /config\.json has values Tessera cannot use: text_config\.max_position_embeddings is -5 \(must be a whole number from 16 to 2097152\)/,
    );
    expect(problems['z-sound']).toBeUndefined();
    const sound = entries.find((e) => e.name === 'z-sound');
    expect(sound).toMatchObject({ family: 'smolvlm', contextLength: 2048 });
  });

  it('never chooses a model with a problem by default, but still finds one chosen by id', () => {
    const catalog = new ModelCatalog([parent]);
    expect(catalog.resolve(null).name).toBe('z-sound');
    const lfs = catalog.list().find((e) => e.name === 'a-lfs');
    expect(catalog.resolve(lfs?.id ?? '').problem).toMatch(/Git LFS pointer/);
  });

  it('says why no model can run when every one has a problem', () => {
    const onlyBroken = new ModelCatalog([join(parent, 'a-lfs')]);
    expect(() => onlyBroken.resolve(null)).toThrow(
      /^No model in the model folders can run now: onnx\/vision_encoder\.onnx is a Git LFS pointer/,
    );
  });
});

describe('the default model', () => {
  const root = join(scratch, 'default');

  /** A copy of the tiny model with `padding` bytes more on disk, downloaded from `repo` if given. */
  function install(name: string, padding: number, repo?: string): void {
    const dir = join(root, name);
    cpSync(base, dir, { recursive: true });
    writeFileSync(join(dir, 'padding.bin'), Buffer.alloc(padding));
    if (!repo) return;
    const files = [{ path: 'config.json', size: readFileSync(join(dir, 'config.json')).length }];
    writeFileSync(join(dir, '.tessera-manifest.json'), JSON.stringify({ repo, commit: 'c0ffee', files }));
  }

  it('is the catalog’s default model when installed, else the smallest, not the first by name', () => {
    install('a-large', 200_000);
    install('b-small', 1_000);
    install('c-default', 100_000, DEFAULT_MODEL_REPO);
    const catalog = new ModelCatalog([root]);
    expect(catalog.resolve(null).source?.repo).toBe(DEFAULT_MODEL_REPO);
    rmSync(join(root, 'c-default'), { recursive: true });
    expect(catalog.resolve(null).name).toBe('b-small');
  });

  it('has a display name for every registered family', () => {
    for (const family of FAMILIES) expect(familyName(family.name)).not.toBe(family.name);
  });
});
