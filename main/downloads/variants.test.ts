/**
 * Choosing the files of one dtype variant from a Hub repo's file list (onnx-community layout), then
 * downloading one from a local hub repo holding several: the plan, per-file progress, switching variant.
 */
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TesseraError } from '../../app/errors.ts';
import { Vlm } from '../../models/runtime/vlm.ts';
import { testModelDir } from '../../models/testing/test-models.ts';
import { LocalHub, filesUnder } from '../hub/local-hub.ts';
import {
  MANIFEST,
  type ModelProgress,
  downloadModel,
  isModelComplete,
  listModels,
  readManifest,
} from './download-model.ts';
import type { RemoteFile } from './hub-client.ts';
import { availableVariants, modulesFor, planVariant } from './variants.ts';

const MODULES = ['vision_encoder', 'embed_tokens', 'decoder_model_merged'];
const graphs = (suffix: string, modules = MODULES) => modules.map((m) => `onnx/${m}${suffix}.onnx`);

/** A repo as the Hub lists it: every path 100 bytes unless it says otherwise. */
const repo = (...paths: string[]): RemoteFile[] => paths.map((path) => ({ path, size: 100 }));

const SHARED = [
  'config.json',
  'generation_config.json',
  'preprocessor_config.json',
  'tokenizer.json',
  'chat_template.jinja',
  'merges.txt',
  'tokenizer.model',
  'qwen.tiktoken',
];
const NOT_FETCHED = [
  'README.md',
  '.gitattributes',
  '.hidden.json',
  'model.safetensors',
  'pytorch_model.bin',
  'training_args.pt',
  'model-q4.gguf',
  'tf_model.h5',
  'flax_model.msgpack',
  'demo.png',
  'onnx/model.onnx',
  'onnx/config.json',
  'images/cat.jpg',
];

const wide = repo(
  ...SHARED,
  ...NOT_FETCHED,
  ...graphs(''),
  'onnx/decoder_model_merged.onnx_data',
  'onnx/decoder_model_merged.onnx_data_1',
  ...graphs('_q4'),
  'onnx/decoder_model_merged_q4.onnx_data',
  'onnx/vision_encoder_fp16.onnx',
  'onnx/embed_tokens_q4f16.onnx',
);

const paths = (files: RemoteFile[]) => files.map((f) => f.path).sort();

describe('planVariant', () => {
  it('takes q4 by default: its graphs and data and the shared configs, nothing else', () => {
    const plan = planVariant(wide, undefined, MODULES, 'HuggingFaceTB/X');
    expect(plan.variant).toBe('q4');
    expect(paths(plan.files)).toEqual(
      [...SHARED, ...graphs('_q4'), 'onnx/decoder_model_merged_q4.onnx_data'].sort(),
    );
  });

  it('takes the external data files of the chosen graph only', () => {
    const plan = planVariant(wide, 'fp32', MODULES);
    expect(plan.variant).toBe('fp32');
    expect(paths(plan.files).filter((p) => p.startsWith('onnx/'))).toEqual(
      [...graphs(''), 'onnx/decoder_model_merged.onnx_data', 'onnx/decoder_model_merged.onnx_data_1'].sort(),
    );
  });

  it('falls back through q8, fp32, fp16, q4f16 to the first variant with every module', () => {
    const only = (...suffixes: string[]) => repo('config.json', ...suffixes.flatMap((s) => graphs(s)));
    expect(planVariant(only('_quantized', ''), undefined).variant).toBe('q8');
    expect(planVariant(only('_fp16', '_q4f16'), undefined).variant).toBe('fp16');
    expect(planVariant(only('_q4f16'), undefined).variant).toBe('q4f16');
    const partialQ4 = repo('config.json', ...graphs(''), 'onnx/vision_encoder_q4.onnx');
    expect(planVariant(partialQ4, undefined).variant).toBe('fp32');
    expect(planVariant(only('_int8'), 'int8').variant).toBe('int8');
    expect(planVariant(only('_bnb4'), undefined).variant).toBe('bnb4');
  });

  it('names the missing graph and the variants that exist', () => {
    const error = (() => {
      try {
        planVariant(wide, 'q4f16', MODULES, 'HuggingFaceTB/X');
      } catch (e) {
        return e as TesseraError;
      }
      throw new Error('no error');
    })();
    expect(error).toBeInstanceOf(TesseraError);
    expect(error.code).toBe('MODEL_UNSUPPORTED');
    expect(error.message).toBe(
      'HuggingFaceTB/X has no q4f16 variant (missing onnx/vision_encoder_q4f16.onnx, ' +
        'onnx/decoder_model_merged_q4f16.onnx). Available: q4, fp32.',
    );
    expect(() => planVariant(wide, 'q8', MODULES, 'HuggingFaceTB/X')).toThrow(
      'HuggingFaceTB/X has no q8 variant. Available: q4, fp32.',
    );
    expect(() => planVariant(wide, 'q5', MODULES, 'HuggingFaceTB/X')).toThrow(/no q5 variant\. Available/);
  });

  it('says when no variant is whole, and what each one lacks', () => {
    const broken = repo('config.json', 'onnx/vision_encoder_q4.onnx', 'onnx/embed_tokens.onnx');
    expect(() => planVariant(broken, undefined, MODULES, 'a/b')).toThrow(
      'a/b has no variant with every graph Tessera needs (q4 lacks onnx/embed_tokens_q4.onnx, ' +
        'onnx/decoder_model_merged_q4.onnx; fp32 lacks onnx/vision_encoder.onnx, ' +
        'onnx/decoder_model_merged.onnx).',
    );
    // Asked for one: the variants there are, each with what it lacks.
    expect(() => planVariant(broken, 'q8', MODULES, 'a/b')).toThrow(
      'a/b has no q8 variant. No variant is complete (q4 lacks onnx/embed_tokens_q4.onnx, ' +
        'onnx/decoder_model_merged_q4.onnx; fp32 lacks onnx/vision_encoder.onnx, onnx/decoder_model_merged.onnx).',
    );
  });

  it('refuses a repo without ONNX graphs, pointing at the onnx-community layout', () => {
    const pytorch = repo('config.json', 'tokenizer.json', 'model.safetensors', 'README.md');
    let caught: unknown;
    try {
      planVariant(pytorch, undefined, MODULES, 'HuggingFaceTB/SmolVLM-256M-Instruct');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(TesseraError);
    expect((caught as TesseraError).code).toBe('MODEL_UNSUPPORTED');
    expect((caught as TesseraError).message).toMatch(
      /^HuggingFaceTB\/SmolVLM-256M-Instruct has no ONNX graphs; .*onnx-community layout .*-ONNX/,
    );
    expect(() => planVariant(repo('config.json', 'onnx/model.onnx'), undefined, MODULES, 'a/b')).toThrow(
      /a\/b has no graphs for the modules Tessera needs \(vision_encoder, embed_tokens/,
    );
  });

  it('uses the modules the catalog lists for a repo', () => {
    const phi = 'onnx-community/Phi-3.5-vision-instruct';
    const modules = modulesFor(phi);
    expect(modules).toEqual(['vision_encoder', 'prepare_inputs_embeds', 'model']);
    expect(modulesFor('someone/unknown')).toEqual(MODULES);
    expect(modulesFor('someone/unknown', 'phi3_v')).toEqual(modules);
    const files = repo('config.json', ...graphs('_q4', [...modules]), 'onnx/embed_tokens_q4.onnx');
    expect(paths(planVariant(files, 'q4', modules).files)).toEqual(
      ['config.json', ...graphs('_q4', [...modules])].sort(),
    );
  });
});

describe('availableVariants', () => {
  it('lists each dtype found, whether it is whole, its files and its download size', () => {
    const variants = availableVariants(wide, MODULES);
    expect(variants.map((v) => [v.id, v.complete])).toEqual([
      ['q4', true],
      ['fp32', true],
      ['fp16', false],
      ['q4f16', false],
    ]);
    const [q4, , fp16] = variants;
    expect(q4?.files).toEqual([
      'onnx/vision_encoder_q4.onnx',
      'onnx/embed_tokens_q4.onnx',
      'onnx/decoder_model_merged_q4.onnx',
      'onnx/decoder_model_merged_q4.onnx_data',
    ]);
    expect(q4?.bytes).toBe(100 * (4 + SHARED.length));
    expect(fp16?.missing).toEqual(['onnx/embed_tokens_fp16.onnx', 'onnx/decoder_model_merged_fp16.onnx']);
  });

  it('gives no size when the Hub gave none for a file', () => {
    const files = [...repo('config.json', ...graphs('_q4')), { path: 'onnx/vision_encoder_q4.onnx_data' }];
    expect(availableVariants(files)[0]?.bytes).toBeNull();
  });
});

// ---- downloading from a local hub ----

/** fp32 and q4 graphs, a lone fp16 graph, and files no variant needs. */
const MULTI = 'tessera-test/smolvlm-multi';
const FP32_GRAPHS = ['onnx/decoder_model_merged.onnx', 'onnx/embed_tokens.onnx', 'onnx/vision_encoder.onnx'];
const Q4_GRAPHS = FP32_GRAPHS.map((g) => g.replace('.onnx', '_q4.onnx'));
const scratch = mkdtempSync(join(tmpdir(), 'tessera-variants-'));
let source: string;
let multi: string;
let hub: LocalHub;
let n = 0;
const fresh = () => join(scratch, `models-${n++}`);
const options = () => ({ endpoint: hub.url, backoffMs: 10, retries: 2 });

beforeAll(async () => {
  source = await testModelDir({ family: 'smolvlm', size: 'tiny', dtype: 'fp32', seed: 1 });
  const q4 = await testModelDir({ family: 'smolvlm', size: 'tiny', dtype: 'q4', seed: 1 });
  multi = join(scratch, 'multi');
  cpSync(source, multi, { recursive: true });
  for (const graph of Q4_GRAPHS) copyFileSync(join(q4, graph), join(multi, graph));
  copyFileSync(join(source, 'onnx/vision_encoder.onnx'), join(multi, 'onnx/vision_encoder_fp16.onnx'));
  writeFileSync(join(multi, 'README.md'), '# tiny\n');
  writeFileSync(join(multi, '.gitattributes'), '*.onnx filter=lfs\n');
  writeFileSync(join(multi, 'model.safetensors'), Buffer.alloc(50_000, 1));
  hub = await LocalHub.start({ [MULTI]: multi });
});

afterAll(async () => {
  await hub?.close();
  rmSync(scratch, { recursive: true, force: true });
});

describe('downloading one variant of a repo with several', () => {
  const configs = async () => (await filesUnder(source)).filter((f) => !f.startsWith('onnx/'));
  const cdnSince = (before: number) => hub.requests.slice(before).filter((r) => r.url.startsWith('/cdn/'));

  it('plans before fetching, downloads q4 by default with per-file progress, and nothing else', async () => {
    const before = hub.requests.length;
    const modelsDir = fresh();
    let planned: { commit: string; variant: string; files: { path: string; size: number }[] } | undefined;
    let fetchedAtPlan = -1;
    const seen = new Set<ModelProgress['perFile']>();
    let last: ModelProgress | undefined;
    const { dir, manifest } = await downloadModel({
      repo: MULTI,
      modelsDir,
      client: options(),
      onPlan: (plan) => {
        planned = plan;
        fetchedAtPlan = cdnSince(before).length;
      },
      onProgress: (progress) => {
        seen.add(progress.perFile);
        last = progress;
      },
    });
    expect(fetchedAtPlan).toBe(0);
    expect(planned?.commit).toBe(hub.commit(MULTI));
    expect(planned?.variant).toBe('q4');
    const want = [...(await configs()), ...Q4_GRAPHS].sort();
    expect(planned?.files.map((f) => f.path).sort()).toEqual(want);
    expect((await filesUnder(dir)).filter((f) => f !== MANIFEST)).toEqual(want);
    for (const file of want)
      expect(readFileSync(join(dir, file)).equals(readFileSync(join(multi, file)))).toBe(true);
    expect(manifest.variant).toBe('q4');
    expect((await readManifest(dir))?.variant).toBe('q4');
    expect(await isModelComplete(dir, { hash: true })).toBe(true);
    expect((await listModels(modelsDir))[0]).toMatchObject({ variant: 'q4', complete: true });

    expect(seen.size).toBe(1); // one array, updated in place
    expect(last?.perFile.map((f) => f.path).sort()).toEqual(want);
    for (const f of last?.perFile ?? []) {
      expect(f.done).toBe(true);
      expect(f.bytes).toBe(f.total);
      expect(f.total).toBe(statSync(join(multi, f.path)).size);
    }
    expect(last?.bytes).toBe(last?.total);

    const vlm = await Vlm.load(dir, { device: 'cpu', dtype: 'q4' });
    await vlm.dispose();
  });

  it('switches variant in place: shared files are kept, the old graphs removed, the manifest rewritten', async () => {
    const modelsDir = fresh();
    const { dir } = await downloadModel({ repo: MULTI, variant: 'q4', modelsDir, client: options() });
    const before = hub.requests.length;
    const { manifest } = await downloadModel({ repo: MULTI, variant: 'fp32', modelsDir, client: options() });
    // By /resolve/ path: the CDN names files by sha256, and some graphs here have identical bytes.
    const fetched = hub.requests
      .slice(before)
      .filter((r) => r.url.includes('/resolve/'))
      .map((r) => r.file);
    expect(fetched.sort()).toEqual([...FP32_GRAPHS].sort()); // not one config again
    expect(manifest.variant).toBe('fp32');
    expect((await filesUnder(dir)).filter((f) => f !== MANIFEST)).toEqual(
      [...(await configs()), ...FP32_GRAPHS].sort(),
    );
    expect(await isModelComplete(dir, { hash: true })).toBe(true);
    expect((await listModels(modelsDir))[0]?.variant).toBe('fp32');

    // The same variant again: nothing fetched, and the plan is still reported.
    const again = hub.requests.length;
    let plans = 0;
    await downloadModel({
      repo: MULTI,
      variant: 'fp32',
      modelsDir,
      client: options(),
      onPlan: () => void plans++,
    });
    expect(cdnSince(again)).toEqual([]);
    expect(plans).toBe(1);
  });

  it('refuses a variant the repo lacks, naming the missing graphs and what exists, before any byte', async () => {
    const before = hub.requests.length;
    const modelsDir = fresh();
    const attempt = downloadModel({ repo: MULTI, variant: 'fp16', modelsDir, client: options() });
    await expect(attempt).rejects.toBeInstanceOf(TesseraError);
    await expect(attempt).rejects.toThrow(
      `${MULTI} has no fp16 variant (missing onnx/embed_tokens_fp16.onnx, ` +
        'onnx/decoder_model_merged_fp16.onnx). Available: q4, fp32.',
    );
    await expect(downloadModel({ repo: MULTI, variant: 'q8', modelsDir, client: options() })).rejects.toThrow(
      /no q8 variant\. Available: q4, fp32\.$/,
    );
    expect(cdnSince(before)).toEqual([]);
    expect(existsSync(join(modelsDir, 'tessera-test--smolvlm-multi'))).toBe(false);
  });

  it('reads a manifest written before variants, and rewrites it with the variant without fetching', async () => {
    const modelsDir = fresh();
    const { dir } = await downloadModel({ repo: MULTI, modelsDir, client: options() });
    const { variant: _variant, ...old } = JSON.parse(readFileSync(join(dir, MANIFEST), 'utf8'));
    writeFileSync(join(dir, MANIFEST), JSON.stringify(old));
    expect((await readManifest(dir))?.variant).toBeUndefined();
    expect(await isModelComplete(dir)).toBe(true);
    expect((await listModels(modelsDir))[0]?.variant).toBeUndefined();
    const before = hub.requests.length;
    const { manifest } = await downloadModel({ repo: MULTI, modelsDir, client: options() });
    expect(cdnSince(before)).toEqual([]);
    expect(manifest.variant).toBe('q4');
  });
});
