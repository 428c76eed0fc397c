/** The `tessera` command as a user runs it: a real process, real files, exit codes and output streams. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { noiseImage } from '../../models/testing/images.ts';
import { testModelDir } from '../../models/testing/test-models.ts';

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
});
