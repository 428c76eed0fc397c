/**
 * Inference: Tessera's runtime against transformers.js on the same generated SmolVLM-256M-shaped model (q4,
 * the variant a CPU user gets), same provider and thread count, greedy, a fixed number of new tokens (end of
 * sequence ignored). Each measured run is a fresh process running one system (bench/inference-child.ts), the
 * two alternating; memory bandwidth is measured in the same run (bench/bandwidth-child.ts) for the roofline.
 *
 * Options: --runs 5 (per system), --provider cpu|webgpu, --threads N (default: available parallelism),
 * --tokens 128, --bandwidth-bytes 1GiB (per thread), --context 0,1000,4000 (cached positions for Tessera's
 * decode-vs-context line; empty skips it), --context-steps 32.
 *
 * Tessera's model load is reported warm (every run; the files are in the page cache) and cold: as root on
 * Linux the suite drops the page cache once and times a process that only loads the model.
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { testModelDir } from '../models/testing/test-models.ts';
import type { BandwidthJob, BandwidthReport } from './bandwidth-child.ts';
import type {
  BenchProvider,
  ChildResult,
  ContextJob,
  ContextResult,
  InferenceJob,
  LoadJob,
  System,
} from './inference-common.ts';
import { summarize } from './inference-lib.ts';
import { type Suite, type SuiteResult, type Table, formatBytes, median, parseBytes } from './lib.ts';
import { screenshotPng } from './screenshot.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const CACHE = join(ROOT, '.cache', 'bench');
const CHILD = fileURLToPath(new URL('./inference-child.ts', import.meta.url));
const BANDWIDTH = fileURLToPath(new URL('./bandwidth-child.ts', import.meta.url));
const QUESTIONS: [string, string] = [
  'What is in this screenshot?',
  'Which window is in front, and what does its title bar say?',
];
/** Decode at ≥ 60 % of the CPU roofline (no target on a GPU, where the bandwidth probe is the host's). */
const CPU_ROOFLINE_TARGET = 0.6;

/** Runs a bench child script (`tsx`) with one JSON argument; rejects with the end of its stderr. */
export function child(script: string, arg: unknown): Promise<{ stdout: string; wallMs: number }> {
  return new Promise((resolve, reject) => {
    const began = performance.now();
    const env = { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp' };
    const proc = spawn(process.execPath, ['--import', 'tsx', script, JSON.stringify(arg)], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env,
    });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    proc.on('error', reject);
    proc.on('close', (code, signal) => {
      if (code === 0) return resolve({ stdout, wallMs: performance.now() - began });
      const how = signal ? `was killed by ${signal}` : `exited ${code}`;
      reject(new Error(`${script} ${how}: ${stderr.trim().split('\n').slice(-8).join('\n')}`));
    });
  });
}

export const lastLine = <T>(stdout: string) => JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as T;

/** Bytes of the decoder graph (the .onnx and its external data) and of one embedding row. */
function weightBytes(dir: string) {
  const onnx = join(dir, 'onnx');
  const size = (prefix: string) =>
    readdirSync(onnx)
      .filter((f) => f.startsWith(prefix))
      .reduce((sum, f) => sum + statSync(join(onnx, f)).size, 0);
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as {
    text_config: Record<string, number>;
  };
  const t = config.text_config;
  const vocab = t.vocab_size ?? 1;
  const kvBytesPerPosition =
    (t.num_hidden_layers ?? 0) * 2 * (t.num_key_value_heads ?? 0) * (t.head_dim ?? 0) * 4;
  return {
    decoder: size('decoder_model_merged_q4.onnx'),
    embedRow: Math.round(size('embed_tokens_q4.onnx') / vocab),
    kvBytesPerPosition,
  };
}

async function run(argv: string[], log: (line: string) => void): Promise<SuiteResult> {
  const { values } = parseArgs({
    args: argv,
    options: {
      runs: { type: 'string', default: '5' },
      provider: { type: 'string', default: 'cpu' },
      threads: { type: 'string', default: String(availableParallelism()) },
      tokens: { type: 'string', default: '128' },
      'bandwidth-bytes': { type: 'string', default: '1GiB' },
      context: { type: 'string', default: '0,1000,4000' },
      'context-steps': { type: 'string', default: '32' },
    },
    strict: false,
    allowPositionals: true,
  });
  const runs = Number(values.runs);
  const threads = Number(values.threads);
  const newTokens = Number(values.tokens);
  const provider = String(values.provider) as BenchProvider;
  const bandwidthBytes = parseBytes(String(values['bandwidth-bytes']));
  for (const [name, n] of [
    ['--runs', runs],
    ['--threads', threads],
    ['--tokens', newTokens],
  ] as const) {
    if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a whole number ≥ 1`);
  }
  if (provider !== 'cpu' && provider !== 'webgpu') throw new Error('--provider must be cpu or webgpu');

  await mkdir(CACHE, { recursive: true });
  log('model: generated SmolVLM-256M shape, q4 and q8 graphs, seed 0 (once, into .cache/bench/models/)…');
  const began = performance.now();
  const modelDir = await testModelDir({
    family: 'smolvlm',
    size: 'realistic',
    dtype: 'q4',
    // The q8 (`_quantized`) graphs too, as the Hub repo ships them: Tessera picks per graph on the CPU.
    extraDtypes: ['q8'],
    seed: 0,
    cacheRoot: join(CACHE, 'models'),
  });
  log(`model ready in ${((performance.now() - began) / 1000).toFixed(1)} s: ${modelDir}`);
  const images = {
    hd: await screenshotPng(CACHE, 1920, 1080),
    uhd: await screenshotPng(CACHE, 3840, 2160),
  };
  const weights = weightBytes(modelDir);
  const bytesPerToken = weights.decoder + weights.embedRow;

  const bandwidthJob: BandwidthJob = { threads, bytesPerThread: bandwidthBytes, reps: 3 };
  const bandwidth = async () => lastLine<BandwidthReport>((await child(BANDWIDTH, bandwidthJob)).stdout);
  const bandwidthBefore = await bandwidth();
  log(
    `memory bandwidth (${threads} threads): read ${bandwidthBefore.readGBps.toFixed(1)} GB/s, ` +
      `copy ${bandwidthBefore.copyGBps.toFixed(1)} GB/s`,
  );

  const loadBefore = loadavg()[0] ?? 0;
  const results: Array<ChildResult & { run: number; position: number; wallMs: number }> = [];
  for (let i = 0; i < runs; i++) {
    const order: System[] = i % 2 === 0 ? ['tessera', 'transformers'] : ['transformers', 'tessera'];
    for (const [position, system] of order.entries()) {
      const job: InferenceJob = {
        system,
        modelDir,
        provider,
        threads,
        newTokens,
        images,
        questions: QUESTIONS,
      };
      const out = await child(CHILD, job);
      const result = { ...lastLine<ChildResult>(out.stdout), run: i + 1, position, wallMs: out.wallMs };
      results.push(result);
      log(
        `run ${i + 1} ${system.padEnd(12)} TTFT ${result.turn1.ttftMs.toFixed(0)} / ${result.turn2.ttftMs.toFixed(0)} ms, ` +
          `decode ${result.turn1.decodeTokensPerSecond.toFixed(1)} tok/s, peak ${formatBytes(result.peakRssBytes)}`,
      );
    }
  }
  const depths = String(values.context)
    .split(',')
    .filter((d) => d.trim() !== '')
    .map(Number);
  const contextJob: ContextJob = {
    system: 'tessera-context',
    modelDir,
    provider,
    threads,
    depths,
    steps: Number(values['context-steps']),
  };
  const context =
    depths.length > 0 ? lastLine<ContextResult>((await child(CHILD, contextJob)).stdout) : undefined;
  for (const d of context?.depths ?? []) {
    log(`decode after ${d.cached} cached positions: ${(1000 / d.msPerToken).toFixed(1)} tok/s`);
  }
  const coldLoadMs = await coldLoad({ system: 'tessera-load', modelDir, provider, threads });
  if (coldLoadMs !== undefined) log(`cold model load: ${coldLoadMs.toFixed(0)} ms`);
  const loadAfter = loadavg()[0] ?? 0;
  const bandwidthAfter = await bandwidth();
  const bandwidthGBps = Math.max(bandwidthBefore.readGBps, bandwidthAfter.readGBps);

  const summary = summarize(
    results,
    { bandwidthGBps, bytesPerToken },
    provider === 'cpu' ? CPU_ROOFLINE_TARGET : undefined,
    `Inference: SmolVLM-256M shape, q4, ${provider}, ${threads} threads, ${newTokens} new tokens, ` +
      `median of ${runs} run${runs > 1 ? 's' : ''} each`,
  );
  const promptTokens = results[0]?.turn1.promptTokens ?? 0;
  const cores = cpus().length;
  const frames = new Set(results.map((r) => `${r.preprocess.hd.frames}/${r.preprocess.uhd.frames}`));
  const notes = [
    `Roofline: ${bandwidthGBps.toFixed(1)} GB/s read bandwidth (${threads} threads, measured before and after the ` +
      `runs: ${bandwidthBefore.readGBps.toFixed(1)}, ${bandwidthAfter.readGBps.toFixed(1)}) ÷ ` +
      `${(bytesPerToken / 1e6).toFixed(1)} MB of decoder weights per token (q4 graph and its data, plus one ` +
      `embedding row) = ${(summary.medians.rooflineTokPerS ?? 0).toFixed(0)} tok/s. The KV cache adds ` +
      `${((weights.kvBytesPerPosition * (promptTokens + newTokens / 2)) / 1e6).toFixed(1)} MB per token at turn 1's ` +
      `mean context (${promptTokens} + ${newTokens / 2} positions), not counted.`,
    `Ratios are Tessera's advantage (> 1 = Tessera better): transformers.js ÷ Tessera for times and memory, ` +
      `Tessera ÷ transformers.js for tokens/s.`,
    `Pixel frames per image (1920×1080 / 3840×2160), both systems: ${[...frames].join(', ')}. ` +
      `Turn 1 prompt: ${promptTokens} tokens.`,
    `transformers.js turn 2 re-processes the whole conversation and re-encodes the image (it keeps no cache ` +
      `between generate() calls); Tessera reuses the thread's KV cache and the image features: ` +
      `${reuse(results)}.`,
  ];
  if (Math.max(loadBefore, loadAfter) > cores / 2) {
    notes.push(
      `The machine was busy (load average ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after, on ` +
        `${cores} cores): every figure is noisy.`,
    );
  }
  return {
    params: {
      runs,
      provider,
      threads,
      newTokens,
      modelDir,
      dtype: 'q4',
      images,
      questions: QUESTIONS,
      weights,
      bytesPerToken,
      bandwidth: { before: bandwidthBefore, after: bandwidthAfter },
      transformersJs: readVersion('@huggingface/transformers'),
      onnxruntimeNode: readVersion('onnxruntime-node'),
      loadAverage: { before: loadBefore, after: loadAfter },
    },
    runs: results as unknown as Record<string, unknown>[],
    medians: { ...summary.medians, ...(coldLoadMs === undefined ? {} : { coldLoadMs }) },
    tables: context ? [summary.table, contextTable(context, threads, contextJob.steps)] : [summary.table],
    notes: [
      ...notes,
      coldLoadMs === undefined
        ? 'Cold model load not measured (dropping the page cache needs root on Linux).'
        : `Model load, cold (page cache dropped, a process that only loads): ${coldLoadMs.toFixed(0)} ms; ` +
          `warm: the load row of the table.`,
    ],
  };
}

/** Tessera's decode speed by context length (same model, provider and threads). */
function contextTable(context: ContextResult, threads: number, steps: number): Table {
  const base = context.depths[0]?.msPerToken ?? NaN;
  return {
    title: `Tessera decode vs cached positions (${threads} threads, median of ${steps} steps at each depth)`,
    columns: [
      'cached positions',
      'decode (tokens/s)',
      'ms per token',
      'vs the first depth',
      'prefill to build it (tok/s)',
    ],
    rows: context.depths.map((d) => [
      String(d.cached),
      (1000 / d.msPerToken).toFixed(1),
      d.msPerToken.toFixed(1),
      `${(d.msPerToken / base).toFixed(2)}×`,
      d.prefillTokensPerSecond.toFixed(0),
    ]),
  };
}

/** As root on Linux: drops the page cache, then times a process that only loads the model. */
async function coldLoad(job: LoadJob): Promise<number | undefined> {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return undefined;
  try {
    execFileSync('sync');
    writeFileSync('/proc/sys/vm/drop_caches', '3');
  } catch {
    return undefined;
  }
  return lastLine<{ loadMs: number }>((await child(CHILD, job)).stdout).loadMs;
}

/** How much of Tessera's turn-2 prompt came from the kept cache, and how many tokens it still prefilled. */
function reuse(results: ChildResult[]): string {
  const turns = results.filter((r) => r.system === 'tessera').map((r) => r.turn2);
  const cached = median(turns.map((t) => t.cachedTokens));
  const prompt = median(turns.map((t) => t.promptTokens));
  return `a median ${cached} of ${prompt} prompt tokens from the cache, ${prompt - cached} prefilled`;
}

function readVersion(name: string): string {
  const path = join(ROOT, 'node_modules', name, 'package.json');
  return (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version;
}

export const inference: Suite = {
  name: 'inference',
  description: 'Tessera against transformers.js on a SmolVLM-256M-shaped q4 model: TTFT, decode, memory',
  run,
};
