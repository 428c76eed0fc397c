/**
 * Inspection of Hub repos (served by the local hub) and local folders: a runnable model, an unsupported
 * family, a PyTorch-only repo, broken configs and missing files each get a clear verdict.
 */
import {
  copyFileSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  statSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUPPORTED_MODEL_TYPES } from '../../models/families/registry.ts';
import { testModelDir } from '../../models/testing/test-models.ts';
import { LocalHub } from '../hub/local-hub.ts';
import { HubClient } from './hub-client.ts';
import { inspectSource } from './inspect.ts';

const FP32 = ['onnx/vision_encoder.onnx', 'onnx/embed_tokens.onnx', 'onnx/decoder_model_merged.onnx'];
const Q4 = FP32.map((g) => g.replace('.onnx', '_q4.onnx'));
const runs = `Tessera runs model types ${SUPPORTED_MODEL_TYPES.join(', ')}.`;
const scratch = mkdtempSync(join(tmpdir(), 'tessera-inspect-'));
let source: string;
let hub: LocalHub;
let client: HubClient;

/** A copy of the generated model, changed by `edit`. */
function variantOf(name: string, edit: (dir: string) => void): string {
  const dir = join(scratch, name);
  cpSync(source, dir, { recursive: true });
  edit(dir);
  return dir;
}

const size = (dir: string, files: string[]) => files.reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);

beforeAll(async () => {
  source = await testModelDir({ family: 'smolvlm', size: 'tiny', dtype: 'fp32', seed: 1 });
  const q4 = await testModelDir({ family: 'smolvlm', size: 'tiny', dtype: 'q4', seed: 1 });
  const repos = {
    'tessera-test/multi': variantOf('multi', (dir) => {
      for (const graph of Q4) copyFileSync(join(q4, graph), join(dir, graph));
      copyFileSync(join(dir, FP32[0] ?? ''), join(dir, 'onnx/vision_encoder_fp16.onnx'));
      writeFileSync(join(dir, 'README.md'), '# multi\n');
    }),
    'tessera-test/next': variantOf('next', (dir) =>
      writeFileSync(join(dir, 'config.json'), JSON.stringify({ model_type: 'llava_next' })),
    ),
    'tessera-test/mystery': variantOf('mystery', (dir) =>
      writeFileSync(join(dir, 'config.json'), JSON.stringify({ model_type: 'mystery_vlm' })),
    ),
    'tessera-test/pytorch': variantOf('pytorch', (dir) => {
      rmSync(join(dir, 'onnx'), { recursive: true });
      writeFileSync(join(dir, 'model.safetensors'), Buffer.alloc(1000));
    }),
    'tessera-test/broken': variantOf('broken', (dir) => {
      writeFileSync(join(dir, 'config.json'), '{"model_type": ');
      rmSync(join(dir, 'tokenizer.json'));
      rmSync(join(dir, FP32[2] ?? ''));
    }),
  };
  hub = await LocalHub.start(repos);
  client = new HubClient({ endpoint: hub.url, backoffMs: 10, retries: 1 });
});

afterAll(async () => {
  await hub?.close();
  rmSync(scratch, { recursive: true, force: true });
});

describe('inspecting a Hub repo', () => {
  it('says a SmolVLM repo can run, with each variant, whether it is whole, and its size', async () => {
    const result = await inspectSource('tessera-test/multi@main', { client });
    expect(result).toMatchObject({
      source: 'tessera-test/multi@main',
      kind: 'repo',
      runnable: true,
      modelType: 'smolvlm',
      family: 'smolvlm',
      problems: [],
    });
    const dir = join(scratch, 'multi');
    const shared = [
      'chat_template.json',
      'config.json',
      'generation_config.json',
      'preprocessor_config.json',
      'processor_config.json',
      'special_tokens_map.json',
      'tokenizer.json',
      'tokenizer_config.json',
    ];
    expect(result.variants).toEqual([
      { id: 'q4', files: Q4, bytes: size(dir, [...Q4, ...shared]), complete: true },
      { id: 'fp32', files: FP32, bytes: size(dir, [...FP32, ...shared]), complete: true },
      {
        id: 'fp16',
        files: ['onnx/vision_encoder_fp16.onnx'],
        bytes: size(dir, ['onnx/vision_encoder_fp16.onnx', ...shared]),
        complete: false,
      },
    ]);
  });

  it('names an unsupported model type and the model types Tessera runs', async () => {
    // LLaVA-NeXT: a real model type that neither Tessera nor transformers.js runs (no ONNX layout).
    const result = await inspectSource('tessera-test/next', { client: { endpoint: hub.url } });
    expect(result.runnable).toBe(false);
    expect(result.modelType).toBe('llava_next');
    expect(result.family).toBeNull();
    expect(result.problems).toEqual([
      `The config.json of tessera-test/next has model_type "llava_next"; ${runs}`,
    ]);
    const mystery = await inspectSource('tessera-test/mystery', { client });
    expect(mystery.family).toBeNull();
    expect(mystery.problems).toEqual([
      `The config.json of tessera-test/mystery has model_type "mystery_vlm"; ${runs}`,
    ]);
  });

  it('says a repo without ONNX graphs needs the onnx-community layout', async () => {
    const result = await inspectSource('tessera-test/pytorch', { client });
    expect(result.runnable).toBe(false);
    expect(result.family).toBe('smolvlm');
    expect(result.variants).toEqual([]);
    expect(result.problems).toEqual([
      'tessera-test/pytorch has no ONNX graphs; Tessera needs the onnx-community layout (look for an -ONNX or onnx-community version of this model).',
    ]);
  });

  it('lists every problem of a broken repo: bad config, missing graph, missing tokenizer', async () => {
    const result = await inspectSource('tessera-test/broken', { client });
    expect(result.runnable).toBe(false);
    expect(result.modelType).toBeNull();
    expect(result.problems).toHaveLength(3);
    expect(result.problems[0]).toMatch(
      /^The config\.json of tessera-test\/broken is not valid JSON \(.+\)\.$/,
    );
    expect(result.problems[1]).toBe(
      'tessera-test/broken has no variant with every graph Tessera needs (fp32 lacks onnx/decoder_model_merged.onnx).',
    );
    expect(result.problems[2]).toBe('tessera-test/broken has no tokenizer.json (the tokenizer).');
    expect(result.variants).toEqual([
      { id: 'fp32', files: FP32.slice(0, 2), bytes: expect.any(Number), complete: false },
    ]);
  });

  it('fails clearly for a repo the hub does not have, or a source that is neither', async () => {
    await expect(inspectSource('tessera-test/nope', { client })).rejects.toThrow(/not found/);
    await expect(inspectSource('not a repo', { client })).rejects.toThrow(
      '"not a repo" is neither a folder on this machine nor a Hub repo id (OWNER/NAME[@REVISION]).',
    );
  });
});

describe('inspecting a local folder', () => {
  it('says the generated model can run, with sizes from disk', async () => {
    const result = await inspectSource(source);
    expect(result).toMatchObject({ source, kind: 'folder', runnable: true, family: 'smolvlm', problems: [] });
    expect(result.variants.map((v) => [v.id, v.complete])).toEqual([['fp32', true]]);
    expect(result.variants[0]?.bytes).toBeGreaterThan(size(source, FP32));
  });

  it('finds the same problems as for a repo', async () => {
    const result = await inspectSource(join(scratch, 'pytorch'));
    expect(result.kind).toBe('folder');
    expect(result.problems).toEqual([
      `${join(scratch, 'pytorch')} has no ONNX graphs; Tessera needs the onnx-community layout (look for an -ONNX or onnx-community version of this model).`,
    ]);
    const empty = join(scratch, 'empty');
    mkdirSync(empty);
    const nothing = await inspectSource(empty);
    expect(nothing.problems.map((p) => p.replace(empty, 'DIR'))).toEqual([
      'DIR has no config.json, so Tessera cannot tell which model it is.',
      'DIR has no ONNX graphs; Tessera needs the onnx-community layout (look for an -ONNX or onnx-community version of this model).',
      'DIR has no tokenizer.json (the tokenizer).',
      'DIR has no preprocessor_config.json (how images are prepared).',
    ]);
  });

  it('falls back to text_config.model_type and ignores partial downloads', async () => {
    const dir = variantOf('nested', (d) => {
      writeFileSync(join(d, 'config.json'), JSON.stringify({ text_config: { model_type: 'idefics3' } }));
      writeFileSync(join(d, 'onnx/decoder_model_merged_q4.onnx.incomplete'), 'partial');
    });
    const result = await inspectSource(dir);
    expect(result).toMatchObject({ runnable: true, modelType: 'idefics3', family: 'smolvlm' });
    expect(result.variants.map((v) => v.id)).toEqual(['fp32']);
  });

  it('says a folder cloned without git-lfs cannot run: its pointers are not graphs', async () => {
    const pointer = (size: number) =>
      `version https://git-lfs.github.com/spec/v1\noid sha256:${'9a'.repeat(32)}\nsize ${size}\n`;
    const dir = variantOf('lfs-clone', (d) => {
      writeFileSync(join(d, 'onnx/decoder_model_merged.onnx'), pointer(123_400_000));
      writeFileSync(join(d, 'tokenizer.json'), pointer(3_500_000));
    });
    const result = await inspectSource(dir);
    expect(result.runnable).toBe(false);
    expect(result.variants.map((v) => [v.id, v.complete])).toEqual([['fp32', false]]);
    expect(result.problems).toEqual([
      `tokenizer.json is a Git LFS pointer (the real file is 3.5 MB): run "git lfs pull" in ${dir}, or download the model through Tessera.`,
      `onnx/decoder_model_merged.onnx is a Git LFS pointer (the real file is 123.4 MB): run "git lfs pull" in ${dir}, or download the model through Tessera.`,
    ]);
  });

  it('names files linked to /dev/zero, or over their cap, without reading them', async () => {
    const dir = variantOf('zero-links', (d) => {
      for (const file of ['config.json', 'tokenizer.json', 'onnx/vision_encoder.onnx']) {
        rmSync(join(d, file));
        symlinkSync('/dev/zero', join(d, file));
      }
      writeFileSync(join(d, 'chat_template.json'), '');
      truncateSync(join(d, 'chat_template.json'), 2 * 1024 * 1024);
    });
    const started = performance.now();
    const result = await inspectSource(dir);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(result.runnable).toBe(false);
    expect(result.variants.map((v) => [v.id, v.complete])).toEqual([['fp32', false]]);
    expect(result.problems.map((p) => p.replace(`${dir}/`, ''))).toEqual([
      "chat_template.json is 2.1 MB; a chat template is at most 1 MiB. Replace it with the model's real chat_template.json, or download the model again.",
      "config.json is not a regular file (a device); a model config must be a plain file. Replace it with the model's real config.json, or download the model again.",
      "tokenizer.json is not a regular file (a device); a tokenizer file must be a plain file. Replace it with the model's real tokenizer.json, or download the model again.",
      'onnx/vision_encoder.onnx is not a regular file (a device); a model file must be a plain file.',
    ]);
  });

  it('reports a config linked to /etc/passwd by position only', async () => {
    const dir = variantOf('passwd', (d) => {
      rmSync(join(d, 'config.json'));
      symlinkSync('/etc/passwd', join(d, 'config.json'));
    });
    const result = await inspectSource(dir);
    expect(result.problems[0]).toBe(`The config.json of ${dir} is not valid JSON (at line 1, column 1).`);
    expect(result.problems.join(' ')).not.toContain('root:');
  });

  it('refuses a file', async () => {
    await expect(inspectSource(join(source, 'config.json'))).rejects.toThrow(
      /is a file; give a model folder/,
    );
  });
});
