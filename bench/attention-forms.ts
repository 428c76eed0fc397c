/**
 * Attention forms: Tessera's decode speed on the realistic Gemma-3-shaped model (q4) in the plain form (its own
 * attention ops, position_ids; Tessera runs it with the appended KV cache) and in the GQA form current
 * onnx-community exports ship (fused GroupQueryAttention, no position_ids; its cache is copied each step), the
 * same weights. Each form is measured by the inference suite's decode-vs-context child (a fresh process per
 * form and run: load, prefill a cache of each depth, median of the decode steps); the forms alternate. The GQA
 * form runs twice: as Tessera rewrites it (new rows only, gqa-rewrite.ts) and as exported (cache 'present').
 *
 * Then one GroupQueryAttention node alone (models/testing/gqa-shared-buffer.ts): a decode step with one
 * fixed-capacity past/present buffer given as pre-allocated outputs, against the growing cache.
 *
 * Options: --runs 1 (per form), --threads N (default: available parallelism), --context 0,1000,4000 (cached
 * positions), --context-steps 32, --context-length 8192 (max_position_embeddings of the generated models: the
 * GQA form's cos/sin caches hold one row per position, 256 MB at Gemma 3's 131 072).
 */
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { AttentionForm } from '../models/generate/types.ts';
import { probeGrowingCache, probeSharedBuffer } from '../models/testing/gqa-shared-buffer.ts';
import { testModelDir } from '../models/testing/test-models.ts';
import type { ContextJob, ContextResult } from './inference-common.ts';
import { child, lastLine } from './inference.ts';
import { type Suite, type SuiteResult, median } from './lib.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const CHILD = fileURLToPath(new URL('./inference-child.ts', import.meta.url));
/** What is measured: the model's attention form, and whether Tessera's cache rewrite runs (default) or not. */
interface Variant {
  name: 'plain' | 'gqa' | 'gqa-exported';
  form: AttentionForm;
  cache?: 'present';
}
const VARIANTS: readonly Variant[] = [
  { name: 'plain', form: 'plain' },
  { name: 'gqa', form: 'gqa' },
  { name: 'gqa-exported', form: 'gqa', cache: 'present' },
];

async function run(argv: string[], log: (line: string) => void): Promise<SuiteResult> {
  const { values } = parseArgs({
    args: argv,
    options: {
      runs: { type: 'string', default: '1' },
      threads: { type: 'string', default: String(availableParallelism()) },
      context: { type: 'string', default: '0,1000,4000' },
      'context-steps': { type: 'string', default: '32' },
      'context-length': { type: 'string', default: '8192' },
    },
    strict: false,
    allowPositionals: true,
  });
  const runs = Number(values.runs);
  const threads = Number(values.threads);
  const steps = Number(values['context-steps']);
  const contextLength = Number(values['context-length']);
  const depths = String(values.context)
    .split(',')
    .filter((d) => d.trim() !== '')
    .map(Number);
  for (const [name, n] of [
    ['--runs', runs],
    ['--threads', threads],
    ['--context-steps', steps],
    ['--context-length', contextLength],
  ] as const) {
    if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a whole number ≥ 1`);
  }
  if (depths.length === 0 || depths.some((d) => !Number.isInteger(d) || d < 0 || d >= contextLength)) {
    throw new Error(`--context must list cached positions from 0 to ${contextLength - 1}`);
  }

  const dirs = {} as Record<AttentionForm, string>;
  for (const attention of ['plain', 'gqa'] as const) {
    log(
      `model: generated Gemma-3 shape, q4, ${attention} attention, seed 0 (once, into .cache/bench/models/)…`,
    );
    dirs[attention] = await testModelDir({
      family: 'gemma3',
      size: 'realistic',
      dtype: 'q4',
      seed: 0,
      contextLength,
      attention,
      cacheRoot: join(ROOT, '.cache', 'bench', 'models'),
    });
  }
  const loadBefore = loadavg()[0] ?? 0;
  const results: Array<ContextResult & { variant: Variant['name']; run: number }> = [];
  for (let i = 0; i < runs; i++) {
    for (const variant of i % 2 === 0 ? VARIANTS : [...VARIANTS].reverse()) {
      const job: ContextJob = {
        system: 'tessera-context',
        modelDir: dirs[variant.form],
        provider: 'cpu',
        threads,
        depths,
        steps,
        cache: variant.cache,
      };
      const out = lastLine<ContextResult>((await child(CHILD, job)).stdout);
      const result = { ...out, variant: variant.name, run: i + 1 };
      results.push(result);
      const speeds = result.depths.map((d) => `${d.cached}: ${(1000 / d.msPerToken).toFixed(1)}`).join(', ');
      log(`run ${i + 1} ${variant.name} decode tok/s by cached positions ${speeds} (${result.decoderCache})`);
    }
  }
  const shared = [await probeSharedBuffer(512), await probeSharedBuffer(8192)];
  const growing = await probeGrowingCache();
  log(`GroupQueryAttention alone: growing cache ${growing.msPerStep.toFixed(2)} ms/step`);
  for (const p of shared)
    log(`  shared buffer of ${p.capacity} positions: ${p.msPerStep.toFixed(2)} ms/step`);
  const loadAfter = loadavg()[0] ?? 0;

  const at = (variant: Variant['name'], cached: number, figure: 'msPerToken' | 'cpuMsPerToken') =>
    median(
      results
        .filter((r) => r.variant === variant)
        .map((r) => r.depths.find((d) => d.cached === Math.max(1, cached))?.[figure] ?? NaN),
    );
  const medians: Record<string, number> = {};
  const rows = depths.map((cached) => {
    const ms = VARIANTS.map((v) => at(v.name, cached, 'msPerToken'));
    const cpu = VARIANTS.map((v) => at(v.name, cached, 'cpuMsPerToken'));
    VARIANTS.forEach((v, i) => {
      medians[`${v.name}TokPerS@${cached}`] = 1000 / (ms[i] ?? NaN);
      medians[`${v.name}CpuMsPerToken@${cached}`] = cpu[i] ?? NaN;
    });
    const [plain = NaN, gqa = NaN] = ms;
    return [
      String(Math.max(1, cached)),
      ...ms.map((m) => (1000 / m).toFixed(1)),
      `${(plain / gqa).toFixed(2)}×`,
      ...cpu.map((c) => c.toFixed(1)),
    ];
  });
  const cacheOf = (variant: Variant['name']) =>
    results.find((r) => r.variant === variant)?.decoderCache ?? 'unknown';
  const notes = [
    `KV cache: plain form ${cacheOf('plain')}; GQA form ${cacheOf('gqa')}; GQA as exported ` +
      `${cacheOf('gqa-exported')}.`,
    `CPU ms/token: the child process's CPU time (all threads, onnxruntime's spinning included) per decode step.`,
    `Same seeded weights in both forms (their greedy tokens agree: models/runtime/gqa-form.test.ts).`,
    `Shared buffer: the kernel wrote the new row in place (${shared.every((p) => p.writtenInPlace)}); the run ` +
      `returned our buffer (${shared.some((p) => p.returnedOurBuffer)}): onnxruntime-node copies every output, ` +
      `so the step grows with the buffer's capacity.`,
  ];
  const cores = cpus().length;
  if (Math.max(loadBefore, loadAfter) > cores / 2) {
    notes.push(
      `The machine was busy (load average ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after, on ` +
        `${cores} cores): every figure is noisy.`,
    );
  }
  return {
    params: {
      runs,
      threads,
      depths,
      steps,
      contextLength,
      dirs,
      loadAverage: { before: loadBefore, after: loadAfter },
    },
    runs: results as unknown as Record<string, unknown>[],
    medians: {
      ...medians,
      gqaGrowingMsPerStep: growing.msPerStep,
      ...Object.fromEntries(shared.map((p) => [`gqaShared${p.capacity}MsPerStep`, p.msPerStep])),
    },
    tables: [
      {
        title:
          `Decode by attention form: Gemma-3 shape, q4, cpu, ${threads} threads, median of ${steps} steps at each ` +
          `depth, ${runs} run${runs > 1 ? 's' : ''} each`,
        columns: [
          'cached positions',
          'plain (tok/s)',
          'GQA (tok/s)',
          'GQA as exported (tok/s)',
          'GQA vs plain',
          'CPU ms/token: plain',
          'GQA',
          'GQA as exported',
        ],
        rows,
      },
      {
        title:
          'One GroupQueryAttention step (8 heads, 4 KV heads, head_dim 256, 200–260 cached positions, 1 thread)',
        columns: ['cache', 'ms per step (median)'],
        rows: [
          ['growing (present fed back as past)', growing.msPerStep.toFixed(2)],
          ...shared.map((p) => [`one shared buffer of ${p.capacity} positions`, p.msPerStep.toFixed(2)]),
        ],
      },
    ],
    notes,
  };
}

export const attentionForms: Suite = {
  name: 'attention',
  description:
    'Tessera decode on a Gemma-3-shaped q4 model in the plain and the GQA (GroupQueryAttention) form',
  run,
};
