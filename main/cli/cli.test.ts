/** The `tessera` command as a user runs it: a real process, real files, exit codes and output streams. */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { noiseImage } from '../../models/testing/images.ts';
import { testModelDir } from '../../models/testing/test-models.ts';
import { LocalHub } from '../hub/local-hub.ts';

const bin = fileURLToPath(new URL('../../bin/tessera.mjs', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'tessera-cli-'));
let model: string;
let imagePath: string;

function tessera(...args: string[]) {
  const result = spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    cwd: scratch,
    timeout: 120_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

beforeAll(async () => {
  model = await testModelDir({ family: 'smolvlm', size: 'tiny', dtype: 'fp32', seed: 1 });
  imagePath = join(scratch, 'shot.png');
  writeFileSync(imagePath, await noiseImage(300, 200, 5));
});

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('tessera ask', () => {
  it('streams an answer to stdout and timings to stderr', () => {
    const run = tessera(
      'ask',
      '--model',
      model,
      '--device',
      'cpu',
      '--max-tokens',
      '8',
      imagePath,
      '--',
      'What is it?',
    );
    expect(run.code).toBe(0);
    expect(run.stdout.trim().length).toBeGreaterThan(0);
    for (const stage of ['preprocess', 'vision encode', 'prefill', 'first token', 'tokens/s', 'providers']) {
      expect(run.stderr).toContain(stage);
    }
    expect(run.stderr).toMatch(/decoder cpu\//);
  });

  it('exits non-zero with one line on bad input', () => {
    const cases: Array<[string[], RegExp]> = [
      [['ask', '--model', model, imagePath], /after "--"/],
      [['ask', '--model', model, join(scratch, 'nope.png'), '--', 'q'], /cannot read/],
      [['ask', '--model', join(scratch, 'no-model'), imagePath, '--', 'q'], /does not exist/],
      [['ask', '--model', model, '--device', 'quantum', imagePath, '--', 'q'], /--device must be one of/],
      [['ask', '--model', model, '--max-tokens', '-3', imagePath, '--', 'q'], /--max-tokens/],
      [['frobnicate'], /unknown command/],
    ];
    for (const [args, pattern] of cases) {
      const run = tessera(...args);
      expect(run.code, args.join(' ')).not.toBe(0);
      expect(run.stderr.trim().split('\n')[0]).toMatch(pattern);
    }
    writeFileSync(join(scratch, 'fake.png'), 'not an image');
    const notImage = tessera(
      'ask',
      '--model',
      model,
      '--device',
      'cpu',
      join(scratch, 'fake.png'),
      '--',
      'q',
    );
    expect(notImage.code).toBe(1);
    expect(notImage.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('tessera plan', () => {
  it('prints the tile plan for a size or an image', () => {
    const run = tessera('plan', '--model', model, '--size', '1920x1080');
    expect(run.code).toBe(0);
    const plan = JSON.parse(run.stdout);
    expect(plan).toMatchObject({ family: 'smolvlm', original: { width: 1920, height: 1080 } });
    expect(plan.tiles.length).toBeGreaterThan(1);
    for (const key of ['x', 'y', 'width', 'height', 'inputWidth', 'inputHeight', 'tokens']) {
      expect(plan.tiles[0]).toHaveProperty(key);
    }
    expect(plan.promptTokens).toBeGreaterThan(plan.imageTokens);
    const low = JSON.parse(tessera('plan', '--model', model, '--detail', 'low', imagePath).stdout);
    expect(low.tiles).toHaveLength(0);
    expect(low.global).not.toBeNull();
    expect(low.original).toEqual({ width: 300, height: 200 });
  });

  it('needs only the JSON files', () => {
    const jsonOnly = join(scratch, 'json-only');
    const copy = spawnSync('cp', ['-r', model, jsonOnly]);
    expect(copy.status).toBe(0);
    rmSync(join(jsonOnly, 'onnx'), { recursive: true });
    expect(tessera('plan', '--model', jsonOnly, '--size', '640x480').code).toBe(0);
  });

  it('rejects a malformed size', () => {
    const run = tessera('plan', '--model', model, '--size', 'big');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--size must look like/);
  });
});

describe('tessera make-model', () => {
  it('writes a model folder that ask can use', () => {
    const out = join(scratch, 'made');
    const made = tessera('make-model', '--family', 'smolvlm', '--size', 'tiny', '--seed', '3', '--out', out);
    expect(made.code).toBe(0);
    expect(readdirSync(join(out, 'onnx')).sort()).toEqual([
      'decoder_model_merged.onnx',
      'embed_tokens.onnx',
      'vision_encoder.onnx',
    ]);
    const again = tessera('make-model', '--family', 'smolvlm', '--out', out);
    expect(again.code).not.toBe(0);
    const bad = tessera('make-model', '--family', 'mystery', '--out', join(scratch, 'x'));
    expect(bad.code).toBe(2);
  });

  it('writes several variants into one folder with --dtype q4,q8', () => {
    const out = join(scratch, 'made-variants');
    const made = tessera('make-model', '--family', 'smolvlm', '--dtype', 'q4,q8', '--out', out);
    expect(made.code).toBe(0);
    expect(readdirSync(join(out, 'onnx')).sort()).toEqual([
      'decoder_model_merged_q4.onnx',
      'decoder_model_merged_quantized.onnx',
      'embed_tokens_q4.onnx',
      'embed_tokens_quantized.onnx',
      'vision_encoder_q4.onnx',
      'vision_encoder_quantized.onnx',
    ]);
    expect(
      tessera('make-model', '--family', 'smolvlm', '--dtype', 'q4,q3', '--out', join(scratch, 'y')).code,
    ).toBe(2);
  });

  it('makes a LLaVA-1.5 model whose plan is one fixed view', () => {
    const out = join(scratch, 'made-llava');
    expect(tessera('make-model', '--family', 'llava', '--out', out).code).toBe(0);
    const plan = tessera('plan', '--model', out, '--size', '1920x1080');
    expect(plan.code).toBe(0);
    const parsed = JSON.parse(plan.stdout) as { family: string; tiles: unknown[] };
    expect(parsed.family).toBe('llava');
    expect(parsed.tiles).toHaveLength(1);
  });
});

describe('tessera pull --variant, models, inspect', () => {
  const MULTI = 'tessera-test/multi';
  const ODD = 'tessera-test/odd';
  let hub: LocalHub;

  /** Async, unlike tessera(): the hub answers from this process, so it must not block. */
  function tesseraAsync(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [bin, ...args], {
        cwd: scratch,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  }

  beforeAll(async () => {
    // fp32 and q4 graphs side by side, as onnx-community repos have them; and a model type no family reads.
    const q4 = await testModelDir({ family: 'smolvlm', size: 'tiny', dtype: 'q4', seed: 1 });
    const multi = join(scratch, 'multi');
    cpSync(model, multi, { recursive: true });
    for (const name of readdirSync(join(q4, 'onnx')))
      copyFileSync(join(q4, 'onnx', name), join(multi, 'onnx', name));
    const odd = join(scratch, 'odd');
    cpSync(model, odd, { recursive: true });
    writeFileSync(join(odd, 'config.json'), JSON.stringify({ model_type: 'mystery_vlm' }));
    hub = await LocalHub.start({ [MULTI]: multi, [ODD]: odd });
  });

  afterAll(async () => {
    await hub?.close();
  });

  it('pulls the variant asked for, says so, and lists it', async () => {
    const modelsDir = join(scratch, 'models-variant');
    const pull = await tesseraAsync(
      'pull',
      MULTI,
      '--variant',
      'fp32',
      '--endpoint',
      hub.url,
      '--models-dir',
      modelsDir,
    );
    expect(pull.code, pull.stderr).toBe(0);
    expect(pull.stdout.trim()).toBe(
      `Pulled ${MULTI}@${hub.commit(MULTI).slice(0, 12)} (fp32) into ${join(modelsDir, 'tessera-test--multi')}`,
    );
    expect(readdirSync(join(modelsDir, 'tessera-test--multi', 'onnx')).sort()).toEqual([
      'decoder_model_merged.onnx',
      'embed_tokens.onnx',
      'vision_encoder.onnx',
    ]);
    const byDefault = await tesseraAsync('pull', MULTI, '--endpoint', hub.url, '--models-dir', modelsDir);
    expect(byDefault.code, byDefault.stderr).toBe(0);
    expect(byDefault.stdout).toContain('(q4)');
    const models = await tesseraAsync('models', '--models-dir', modelsDir);
    expect(models.code).toBe(0);
    expect(models.stdout.split('\n')[0]).toMatch(/^NAME\s+COMMIT\s+VARIANT\s+SIZE\s+VERIFIED/);
    expect(models.stdout).toMatch(/tessera-test--multi\s+[0-9a-f]{12}\s+q4\s+[\d.]+ MB\s+yes/);
  });

  it('refuses a variant the repo lacks, or one that is no dtype, in one line', async () => {
    const modelsDir = join(scratch, 'models-missing');
    const missing = await tesseraAsync(
      'pull',
      MULTI,
      '--variant',
      'fp16',
      '--endpoint',
      hub.url,
      '--models-dir',
      modelsDir,
    );
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim().split('\n')).toEqual([
      `tessera pull: ${MULTI} has no fp16 variant. Available: q4, fp32.`,
    ]);
    const bogus = await tesseraAsync('pull', MULTI, '--variant', 'q5', '--endpoint', hub.url);
    expect(bogus.code).toBe(2);
    expect(bogus.stderr).toMatch(/^tessera pull: --variant must be one of fp32, fp16, q8/);
  });

  it('inspects a runnable repo and folder: family, variants with sizes, exit 0', async () => {
    const repo = await tesseraAsync('inspect', MULTI, '--endpoint', hub.url);
    expect(repo.code, repo.stderr).toBe(0);
    expect(repo.stdout).toMatch(/^Repo +tessera-test\/multi$/m);
    expect(repo.stdout).toMatch(/^Runnable +yes$/m);
    expect(repo.stdout).toMatch(/^Family +smolvlm \(model_type smolvlm\)$/m);
    expect(repo.stdout).toMatch(/^ +q4 +[\d.]+ kB +complete$/m);
    expect(repo.stdout).toMatch(/^ +fp32 +[\d.]+ kB +complete$/m);
    expect(repo.stdout).not.toContain('Problems');
    const folder = await tesseraAsync('inspect', model);
    expect(folder.code, folder.stderr).toBe(0);
    expect(folder.stdout).toMatch(/^Folder +.+$/m);
    expect(folder.stdout).toMatch(/^Runnable +yes$/m);
  });

  it('exits 1 for a model it cannot run, with the problems on stdout and one line on stderr', async () => {
    const run = await tesseraAsync('inspect', ODD, '--endpoint', hub.url);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^Runnable +no$/m);
    expect(run.stdout).toMatch(/^Problems\n {2}- .*model_type "mystery_vlm".*Tessera runs model types/m);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/^tessera inspect: tessera-test\/odd cannot run in Tessera: .*mystery_vlm/);
    const none = await tesseraAsync('inspect', 'nothing here');
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/neither a folder on this machine nor a Hub repo id/);
    expect((await tesseraAsync('inspect')).code).toBe(2);
    expect((await tesseraAsync('inspect', MULTI, '--endpoint', 'ftp://x')).code).toBe(2);
  });
});

describe('tessera with files that are not what they claim', () => {
  /** A copy of the tiny model with one file replaced by a link to `target`. */
  function linked(name: string, file: string, target: string): string {
    const dir = join(scratch, name);
    cpSync(model, dir, { recursive: true });
    rmSync(join(dir, file));
    symlinkSync(target, join(dir, file));
    return dir;
  }

  /** Fails in one line, fast: the engine never reads the file to its end (before: 3 GB in 6 s, then a crash). */
  function oneLineFailure(args: string[], pattern: RegExp): void {
    const started = Date.now();
    const run = tessera(...args);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(pattern);
  }

  it('refuses /dev/zero as an image without reading it', () => {
    oneLineFailure(
      ['ask', '--model', model, '/dev/zero', '--', 'q'],
      /^tessera ask: \/dev\/zero is not a regular file \(a device\); an image must be a plain file\./,
    );
  });

  it('refuses config.json and tokenizer.json linked to /dev/zero, naming the file', () => {
    for (const file of ['config.json', 'tokenizer.json']) {
      const dir = linked(`zero-${file}`, file, '/dev/zero');
      oneLineFailure(
        ['ask', '--model', dir, '--device', 'cpu', imagePath, '--', 'q'],
        new RegExp(`^tessera ask: ${join(dir, file)} is not a regular file \\(a device\\)`),
      );
    }
  });

  it('never prints the content of a config.json linked to /etc/passwd', () => {
    const dir = linked('passwd-config', 'config.json', '/etc/passwd');
    oneLineFailure(
      ['plan', '--model', dir, '--size', '640x480'],
      /config\.json is not valid JSON \(at line 1, column 1\)/,
    );
    expect(tessera('plan', '--model', dir, '--size', '640x480').stderr).not.toContain('root:');
  });

  it('inspects a folder cloned without git-lfs as not runnable, saying what to do', () => {
    const dir = join(scratch, 'lfs-clone');
    cpSync(model, dir, { recursive: true });
    for (const name of readdirSync(join(dir, 'onnx'))) {
      writeFileSync(
        join(dir, 'onnx', name),
        `version https://git-lfs.github.com/spec/v1\noid sha256:${'0f'.repeat(32)}\nsize 123400000\n`,
      );
    }
    const run = tessera('inspect', dir);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^Runnable +no$/m);
    expect(run.stdout).toMatch(/^ +fp32 +.+ incomplete$/m);
    expect(run.stdout).toContain(
      `  - onnx/decoder_model_merged.onnx is a Git LFS pointer (the real file is 123.4 MB): run "git lfs pull" in ${dir}, or download the model through Tessera.`,
    );
  });
});
