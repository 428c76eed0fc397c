/**
 * `npm run bench [-- --only NAME] [suite options]`: runs the benchmark suites in order, prints a table per
 * suite, and writes everything (machine, raw runs, medians) to `bench/results/<date-time>-<host>.json`.
 * Suites are registered below; each reads the options it knows (see bench/README.md).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import {
  arch,
  availableParallelism,
  cpus,
  hostname,
  loadavg,
  platform,
  release,
  totalmem,
  type,
  version,
} from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { downloads } from './downloads.ts';
import { inference } from './inference.ts';
import { decodeProfile } from './decode-profile.ts';
import { attentionForms } from './attention-forms.ts';
import { type Suite, type SuiteResult, formatTable } from './lib.ts';

/** In the order they run. */
const SUITES: Suite[] = [downloads, inference, decodeProfile, attentionForms];

const RESULTS = fileURLToPath(new URL('./results/', import.meta.url));

function usage(): string {
  return [
    'Usage: npm run bench [-- --only NAME[,NAME]] [suite options]',
    '',
    'Suites:',
    ...SUITES.map((s) => `  ${s.name.padEnd(12)} ${s.description}`),
    '',
    'See bench/README.md for each suite’s options.',
  ].join('\n');
}

function selected(argv: string[]): Suite[] {
  const names: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--only') names.push(...(argv[++i] ?? '').split(','));
    else if (arg.startsWith('--only=')) names.push(...arg.slice('--only='.length).split(','));
  }
  const wanted = names.map((n) => n.trim()).filter(Boolean);
  if (names.length > 0 && wanted.length === 0) throw new Error('--only needs a suite name.');
  for (const name of wanted) {
    if (!SUITES.some((s) => s.name === name)) {
      throw new Error(`No suite "${name}" (there are: ${SUITES.map((s) => s.name).join(', ')}).`);
    }
  }
  return wanted.length === 0 ? SUITES : SUITES.filter((s) => wanted.includes(s.name));
}

function machine() {
  const cpu = cpus();
  return {
    hostname: hostname(),
    cpu: { model: cpu[0]?.model.trim() ?? 'unknown', cores: cpu.length, parallelism: availableParallelism() },
    memoryBytes: totalmem(),
    os: { platform: platform(), type: type(), release: release(), version: version(), arch: arch() },
    node: process.version,
    /** 1, 5 and 15 minute load averages when the run started: a busy machine skews every figure. */
    loadAverage: loadavg(),
  };
}

interface SuiteRecord extends Partial<SuiteResult> {
  name: string;
  ok: boolean;
  error?: string;
  startedAt: string;
  durationMs: number;
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(usage());
    return 0;
  }
  const suites = selected(argv);
  const startedAt = new Date();
  const info = machine();
  console.log(
    `Tessera bench on ${info.hostname}: ${info.cpu.model}, ${info.cpu.cores} cores, ` +
      `${(info.memoryBytes / 2 ** 30).toFixed(1)} GiB, ${info.os.platform} ${info.os.release}, node ${info.node}`,
  );
  const records: SuiteRecord[] = [];
  for (const suite of suites) {
    console.log(`\n== ${suite.name}: ${suite.description}`);
    const began = performance.now();
    const record: SuiteRecord = {
      name: suite.name,
      ok: false,
      startedAt: new Date().toISOString(),
      durationMs: 0,
    };
    try {
      const result = await suite.run(argv, (line) => console.log(`  ${line}`));
      Object.assign(record, result, { ok: true });
      for (const table of result.tables) console.log(`\n${formatTable(table)}`);
      if (result.notes.length > 0) console.log(`\n${result.notes.map((n) => `* ${n}`).join('\n')}`);
    } catch (error) {
      record.error = error instanceof Error ? error.message : String(error);
      console.error(`\n${suite.name} failed: ${record.error}`);
    }
    record.durationMs = Math.round(performance.now() - began);
    records.push(record);
  }
  await mkdir(RESULTS, { recursive: true });
  const stamp = startedAt
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replace(/:/g, '-');
  const file = join(RESULTS, `${stamp}-${info.hostname.replace(/[^\w.-]+/g, '_')}.json`);
  const report = {
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    argv,
    machine: info,
    suites: records,
  };
  await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\nResults: ${file}`);
  return records.every((r) => r.ok) ? 0 : 1;
}

main().then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    console.error(`bench: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 2;
  },
);
