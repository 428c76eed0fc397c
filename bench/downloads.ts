/**
 * Download throughput and memory: Tessera's HubClient.downloadFile (sha256 while streaming, size and hash
 * check, fsync, atomic rename) against `curl -L -o` on the same `/resolve/` URL of a LocalHub on 127.0.0.1
 * serving one multi-GB file of deterministic pseudo-random bytes (generated once into .cache/bench/).
 * Runs alternate (curl then Tessera, then Tessera then curl, …); each copy is deleted before the next run.
 * Tessera downloads in a child process of its own (bench/download-child.ts), which samples its RSS.
 * The parts: downloads/random-file.ts (the file), downloads/clients.ts (one run of each client),
 * downloads/report.ts (medians, tables, notes).
 *
 * Options: --size 2GiB (the file), --runs 5 (per client), --rss-size 256MiB (a second, smaller file
 * downloaded once more to show the peak RSS does not grow with the file; 0 skips it), --seed tessera,
 * --client PATH (a module exporting a HubClient to measure instead of main/downloads/hub-client.ts),
 * --page-reporting pause|keep (pause, the default: in a VM whose balloon does free page reporting, stop it
 * for the suite, pre-fault 2 × size + 512 MiB once and restore the old setting afterwards, so that host
 * page faults do not land on one client at random; see bench/page-reporting.ts. keep: change nothing).
 * Every run records how much memory the VM reported to the host while it ran (`reportedKiB`), and the notes
 * work out the CPU-bound ceilings of both clients from the run's own CPU figures.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type HubRepoSource, LocalHub } from '../main/hub/local-hub.ts';
import { sha256CpuSPerGB } from './cpu-ceilings.ts';
import { type CurlRun, FILE, type TesseraRun, curlRun, tesseraRun } from './downloads/clients.ts';
import { CACHE, type RandomFile, cached, freeBytes, randomFile, warm } from './downloads/random-file.ts';
import { type Measured, report } from './downloads/report.ts';
import { type Suite, type SuiteResult, formatBytes, mbPerS, parseBytes } from './lib.ts';
import {
  type PageReportingMode,
  type PageReportingOutcome,
  pausePageReporting,
  reportedKiB,
  reportedLog,
  reportedSince,
} from './page-reporting.ts';

const WORK = join(CACHE, 'downloads');
const REPO = 'tessera-bench/random';
const SMALL_REPO = 'tessera-bench/random-small';
const MARGIN = 256 * 2 ** 20;

type Log = (line: string) => void;

interface Options {
  size: number;
  rssSize: number;
  runs: number;
  seed: string;
  /** The candidate HubClient module (`--client`), absolute. */
  candidate: string | undefined;
  pageReporting: PageReportingMode;
}

const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
const f1 = (n: number) => n.toFixed(1);

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      size: { type: 'string', default: '2GiB' },
      runs: { type: 'string', default: '5' },
      'rss-size': { type: 'string', default: '256MiB' },
      seed: { type: 'string', default: 'tessera' },
      client: { type: 'string' },
      'page-reporting': { type: 'string', default: 'pause' },
    },
    strict: false,
    allowPositionals: true,
  });
  const size = parseBytes(String(values.size));
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1)
    throw new Error(`--runs must be a whole number ≥ 1, not ${values.runs}`);
  if (size < 1) throw new Error('--size must be at least one byte');
  const pageReporting = String(values['page-reporting']);
  if (pageReporting !== 'pause' && pageReporting !== 'keep')
    throw new Error(`--page-reporting must be pause or keep, not ${pageReporting}`);
  return {
    size,
    rssSize: parseBytes(String(values['rss-size'])),
    runs,
    seed: String(values.seed),
    candidate: typeof values.client === 'string' ? resolve(values.client) : undefined,
    pageReporting,
  };
}

/** curl's version line: curl is the baseline, so the suite stops without it. */
function curlVersion(): string | undefined {
  const version = spawnSync('curl', ['--version'], { encoding: 'utf8' });
  if (version.status !== 0) throw new Error('curl is not installed (or not on PATH): it is the baseline.');
  return version.stdout.split('\n')[0];
}

/** Checks there is room for the files and one downloaded copy, then generates (or finds) both files. */
async function prepareFiles(
  { size, rssSize, seed }: Options,
  log: Log,
): Promise<{ big: RandomFile; small: RandomFile | undefined; free: number }> {
  await mkdir(CACHE, { recursive: true });
  const have = await cached(size, seed);
  const haveSmall = rssSize > 0 ? await cached(rssSize, seed) : true;
  const need = (have ? 0 : size) + (haveSmall ? 0 : rssSize) + size + MARGIN;
  const free = await freeBytes(CACHE);
  log(`free disk in ${CACHE}: ${formatBytes(free)} (this run needs ${formatBytes(need)})`);
  if (free < need) {
    throw new Error(
      `not enough free disk: ${formatBytes(need)} needed in ${CACHE} ` +
        `(${have ? '' : `the ${formatBytes(size)} file, `}one downloaded copy at a time and a margin), ` +
        `${formatBytes(free)} free. Free some space or pass a smaller --size.`,
    );
  }
  const big = await randomFile(size, seed, log);
  const small = rssSize > 0 ? await randomFile(rssSize, seed, log) : undefined;
  return { big, small, free };
}

/** A fresh folder for each downloaded copy; `done` deletes it before the next run. */
function copies() {
  let n = 0;
  return {
    async fresh(): Promise<string> {
      const dir = join(WORK, `run-${n++}`);
      await mkdir(dir, { recursive: true });
      return join(dir, FILE);
    },
    done: (dest: string) => rm(join(dest, '..'), { recursive: true, force: true }),
  };
}

/** `runs` rounds of one download by each client, alternating which goes first. */
async function alternatingRuns(
  hubUrl: string,
  { runs, candidate }: Options,
  log: Log,
): Promise<{ curlRuns: CurlRun[]; tesseraRuns: TesseraRun[] }> {
  const url = `${hubUrl}/${REPO}/resolve/main/${FILE}`;
  const curlRuns: CurlRun[] = [];
  const tesseraRuns: TesseraRun[] = [];
  const { fresh, done } = copies();
  for (let i = 0; i < runs; i++) {
    const order = i % 2 === 0 ? (['curl', 'tessera'] as const) : (['tessera', 'curl'] as const);
    for (const client of order) {
      const dest = await fresh();
      const kib = reportedKiB();
      if (client === 'curl') {
        const r: CurlRun = { ...(await curlRun(url, dest, i + 1)), ...reportedSince(kib) };
        curlRuns.push(r);
        log(
          `run ${i + 1}/${runs} curl     ${f1(r.mbPerS)} MB/s (${f1(r.ms / 1000)} s; ` +
            `fsync afterwards ${f1(r.fsyncMs / 1000)} s)${reportedLog(r)}`,
        );
      } else {
        const r: TesseraRun = {
          ...(await tesseraRun(hubUrl, REPO, dest, i + 1, candidate)),
          ...reportedSince(kib),
        };
        tesseraRuns.push(r);
        log(
          `run ${i + 1}/${runs} tessera  ${f1(r.mbPerS)} MB/s (${f1(r.ms / 1000)} s: last byte at ` +
            `${f1(r.transferMs / 1000)} s, then ${f1(r.finishMs / 1000)} s digest+fsync+rename), ` +
            `peak RSS ${mib(r.peakRss)} MiB${reportedLog(r)}`,
        );
      }
      await done(dest);
    }
  }
  return { curlRuns, tesseraRuns };
}

/** One more Tessera download, of the smaller file: its peak RSS should be the big file's. */
async function smallFileRun(hubUrl: string, small: RandomFile, candidate: string | undefined, log: Log) {
  const { fresh, done } = copies();
  const dest = await fresh();
  const kib = reportedKiB();
  const run: TesseraRun = {
    ...(await tesseraRun(hubUrl, SMALL_REPO, dest, 1, candidate)),
    ...reportedSince(kib),
  };
  log(`tessera ${formatBytes(small.size)}: peak RSS ${mib(run.peakRss)} MiB${reportedLog(run)}`);
  await done(dest);
  return run;
}

/** Serves the files and measures every run, with free page reporting paused (when asked) meanwhile. */
async function measure(
  options: Options,
  big: RandomFile,
  small: RandomFile | undefined,
  log: Log,
): Promise<{ measured: Measured; pageReporting: PageReportingOutcome }> {
  const served = (f: RandomFile): HubRepoSource => ({
    files: { [FILE]: { path: f.path, size: f.size, sha256: f.sha256 } },
  });
  const loadBefore = loadavg()[0] ?? 0;
  // Two copies' worth of page cache (the first round) and a margin for the smaller file and the processes.
  const reporting = await pausePageReporting(options.pageReporting, 2 * options.size + 512 * 2 ** 20, log);
  let hub: LocalHub | undefined;
  let runs: Omit<Measured, 'loadBefore' | 'loadAfter'>;
  try {
    hub = await LocalHub.start({ [REPO]: served(big), ...(small ? { [SMALL_REPO]: served(small) } : {}) });
    log(`page cache warm-up read of the file: ${f1(mbPerS(options.size, await warm(big.path)))} MB/s`);
    await rm(WORK, { recursive: true, force: true });
    const { curlRuns, tesseraRuns } = await alternatingRuns(hub.url, options, log);
    const smallRun = small ? await smallFileRun(hub.url, small, options.candidate, log) : undefined;
    const sha256 = await sha256CpuSPerGB(big.path, options.size);
    runs = { curlRuns, tesseraRuns, smallRun, sha256 };
  } finally {
    reporting.restore();
    await hub?.close();
    await rm(WORK, { recursive: true, force: true });
  }
  const loadAfter = loadavg()[0] ?? 0;
  return { measured: { ...runs, loadBefore, loadAfter }, pageReporting: reporting.outcome };
}

async function run(argv: string[], log: Log): Promise<SuiteResult> {
  const options = parseOptions(argv);
  const curl = curlVersion();
  const { big, small, free } = await prepareFiles(options, log);
  const { measured, pageReporting } = await measure(options, big, small, log);
  const { size, rssSize, runs, seed, candidate } = options;
  const { curlRuns, tesseraRuns, smallRun } = measured;
  return {
    params: {
      size,
      rssSize,
      runs,
      seed,
      sha256: big.sha256,
      file: big.path,
      curl,
      freeDiskBytes: free,
      client: candidate ?? 'main/downloads/hub-client.ts',
      pageReporting,
    },
    runs: [
      ...curlRuns,
      ...tesseraRuns,
      ...(smallRun ? [{ ...smallRun, smallFile: true }] : []),
    ] as unknown as Record<string, unknown>[],
    ...report({ size, runs, candidate }, measured),
  };
}

export const downloads: Suite = {
  name: 'downloads',
  description: 'HubClient.downloadFile against curl on a multi-GB file from a local hub; peak RSS',
  run,
};
