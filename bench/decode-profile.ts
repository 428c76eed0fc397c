/**
 * Where a decode step's milliseconds go: onnxruntime's own profiler on the benchmark model's decoder, one token
 * at a time at the context length of the inference suite's first answer, summed by operator type per token.
 * The step is the same graph Tessera and transformers.js run; what remains outside `session.run` is in the
 * inference suite's "outside session.run" row.
 *
 * Options: --threads N (default: available parallelism), --past N (cached positions, default 950: turn 1's
 * 886-token prompt plus half of 128 answer tokens), --steps N (default 24), --graph tessera|exported (default
 * tessera: the decoder as Tessera runs it on the CPU, rewritten by models/runtime/load.ts's decoderGraph;
 * exported: the file as it is, which transformers.js runs), --fed N (new positions per run, default 1: a decode
 * step; e.g. --past 0 --fed 900 --steps 2 profiles the screenshot prompt's prefill).
 */
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { decoderGraph } from '../models/runtime/load.ts';
import { testModelDir } from '../models/testing/test-models.ts';
import type { Suite, SuiteResult } from './lib.ts';
import { median } from './lib.ts';

interface ProfileEvent {
  cat?: string;
  name?: string;
  dur?: number;
  args?: { op_name?: string };
}

const CACHE = join(fileURLToPath(new URL('..', import.meta.url)), '.cache', 'bench', 'models');

/**
 * Past keys/values of `past` positions for every cache input, shaped from the graph's metadata, and
 * `fed` new positions (1: a decode step; more: a prefill).
 */
function decodeFeeds(
  session: ort.InferenceSession,
  past: number,
  hidden: number,
  fed: number,
): Record<string, ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = {};
  for (const meta of session.inputMetadata) {
    if (!meta.name.startsWith('past_key_values.') || !meta.isTensor) continue;
    // The appended layout feeds its zero row plus the past ([past + 1, kv_heads, head_dim]).
    const symbolic = (d: string) => (/batch/i.test(d) ? 1 : d === 'past_rows' ? past + 1 : past);
    const dims = meta.shape.map((d) => (typeof d === 'number' ? d : symbolic(String(d))));
    // Filled, not left zero: fresh zero-filled memory maps the kernel's one shared zero page, so reading a
    // zero cache stays in the CPU's caches and a deep step looked twice as fast as it runs (18 vs 38 ms at 4,000).
    const values = new Float32Array(dims.reduce((a, b) => a * b, 1)).fill(0.01);
    feeds[meta.name] = new ort.Tensor('float32', values, dims);
  }
  const embeds = Float32Array.from({ length: fed * hidden }, (_, i) => Math.sin(i) * 0.5);
  feeds.inputs_embeds = new ort.Tensor('float32', embeds, [1, fed, hidden]);
  feeds.attention_mask = new ort.Tensor('int64', new BigInt64Array(past + fed).fill(1n), [1, past + fed]);
  if (session.inputNames.includes('position_ids')) {
    const positions = BigInt64Array.from({ length: fed }, (_, i) => BigInt(past + i));
    feeds.position_ids = new ort.Tensor('int64', positions, [1, fed]);
  }
  return feeds;
}

async function run(argv: string[], log: (line: string) => void): Promise<SuiteResult> {
  const { values } = parseArgs({
    args: argv,
    options: {
      threads: { type: 'string', default: String(availableParallelism()) },
      past: { type: 'string', default: '950' },
      steps: { type: 'string', default: '24' },
      graph: { type: 'string', default: 'tessera' },
      fed: { type: 'string', default: '1' },
    },
    strict: false,
  });
  const threads = Number(values.threads);
  const past = Number(values.past);
  const count = Number(values.steps);
  const fed = Number(values.fed);
  const which = String(values.graph);
  if (which !== 'tessera' && which !== 'exported') throw new Error('--graph must be tessera or exported');
  const dir = await testModelDir({
    family: 'smolvlm',
    size: 'realistic',
    dtype: 'q4',
    extraDtypes: ['q8'], // the inference suite's folder, so the model is generated once
    seed: 0,
    cacheRoot: CACHE,
  });
  const hidden = (
    JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as { text_config: { hidden_size: number } }
  ).text_config.hidden_size;
  const scratch = await mkdtemp(join(tmpdir(), 'tessera-profile-'));
  try {
    const path = join(dir, 'onnx', 'decoder_model_merged_q4.onnx');
    const rewritten = which === 'tessera' ? decoderGraph(path, {}).bytes : null;
    const model = rewritten ?? readFileSync(path);
    const open = (profile: boolean) =>
      ort.InferenceSession.create(model, {
        extra: { session: { model_external_initializers_file_folder_path: join(dir, 'onnx') } },
        executionProviders: ['cpu'],
        intraOpNumThreads: threads,
        graphOptimizationLevel: 'all',
        enableProfiling: profile,
        profileFilePrefix: join(scratch, 'decoder'),
      });
    // The profiler costs time per node, so the step's wall time comes from a session without it.
    const steps = async (session: ort.InferenceSession, feeds: Record<string, ort.Tensor>) => {
      const wall: number[] = [];
      for (let i = 0; i < count + 2; i++) {
        const t0 = performance.now();
        await session.run(feeds);
        if (i >= 2) wall.push(performance.now() - t0); // two warm-up steps are left out of the wall time
      }
      return wall;
    };
    const plain = await open(false);
    const wall = await steps(plain, decodeFeeds(plain, past, hidden, fed));
    await plain.release();
    const profiled = await open(true);
    await steps(profiled, decodeFeeds(profiled, past, hidden, fed));
    profiled.endProfiling(); // writes <prefix>_<date>.json; the binding does not return its name
    await profiled.release();
    const file = readdirSync(scratch).find((name) => name.startsWith('decoder') && name.endsWith('.json'));
    if (!file) throw new Error(`onnxruntime wrote no profile into ${scratch}`);
    const events = JSON.parse(readFileSync(join(scratch, file), 'utf8')) as ProfileEvent[];
    const byOp = new Map<string, number>();
    for (const e of events) {
      if (e.cat !== 'Node' || !e.name?.endsWith('_kernel_time') || !e.args?.op_name) continue;
      byOp.set(e.args.op_name, (byOp.get(e.args.op_name) ?? 0) + (e.dur ?? 0) / 1000);
    }
    const runs = count + 2;
    const kernelMs = [...byOp.values()].reduce((a, b) => a + b, 0) / runs;
    const stepMs = median(wall);
    // The profiler's bookkeeping per node inflates kernel times: with many small nodes they can add up to more
    // than the unprofiled wall time. Shares are then of the profiled kernel total, not of the step.
    const inflated = kernelMs > stepMs;
    const base = inflated ? kernelMs : stepMs;
    const rows = [...byOp]
      .sort((a, b) => b[1] - a[1])
      .map(([op, ms]) => [op, (ms / runs).toFixed(2), `${((100 * ms) / runs / base).toFixed(1)} %`]);
    rows.push(
      inflated
        ? ['(kernels as profiled, inflated by the profiler)', kernelMs.toFixed(2), '100 %']
        : [
            '(outside the kernels: binding inputs, copying outputs out)',
            (stepMs - kernelMs).toFixed(2),
            `${((100 * (stepMs - kernelMs)) / stepMs).toFixed(1)} %`,
          ],
    );
    rows.push(['one run (median wall time, unprofiled)', stepMs.toFixed(2), inflated ? '' : '100 %']);
    const what = fed === 1 ? 'decoder step' : `prefill of ${fed} positions`;
    log(`${what} at ${past} cached positions, ${threads} threads: ${stepMs.toFixed(1)} ms`);
    return {
      params: { threads, past, fed, steps: count, model: dir, graph: which },
      runs: wall.map((ms, i) => ({ step: i + 1, ms })),
      medians: {
        stepMs,
        kernelMs,
        ...Object.fromEntries([...byOp].map(([op, ms]) => [`op.${op}`, ms / runs])),
      },
      tables: [
        {
          title:
            `Decoder ${fed === 1 ? 'step' : `run of ${fed} new positions`} by operator (${which} graph; ms per run; ` +
            `${past} cached positions, ${threads} threads, onnxruntime profiler)`,
          columns: ['operator', 'ms/token', 'share'],
          rows,
        },
      ],
      notes: [
        which === 'exported'
          ? 'Concat joins the past and new keys/values (a copy of the whole cache each step); Transpose lays the keys out for Q·Kᵀ (another copy).'
          : 'FusedMatMul reads the fed cache rows in place (scores and weighted values over the past); the new rows are the only cache output.',
        'MatMulNBits is the q4 weights (linear layers and lm_head); its memory-bound floor is the roofline in the inference suite.',
      ],
    };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

export const decodeProfile: Suite = {
  name: 'decode-profile',
  description: "where a decode step's time goes, by operator (onnxruntime profiler, benchmark model)",
  run,
};
