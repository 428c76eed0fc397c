/**
 * Download throughput and memory: Tessera's HubClient.downloadFile (sha256 while streaming, size and hash
 * check, fsync, atomic rename) against `curl -L -o` on the same `/resolve/` URL of a LocalHub on 127.0.0.1
 * serving one multi-GB file of deterministic pseudo-random bytes (generated once into .cache/bench/).
 * Runs alternate (curl then Tessera, then Tessera then curl, …); each copy is deleted before the next run.
 * Tessera downloads in a child process of its own (bench/download-child.ts), which samples its RSS.
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
import { spawn, spawnSync } from 'node:child_process';
import { createCipheriv, createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat, statfs, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type HubRepoSource, LocalHub } from '../main/hub/local-hub.ts';
import type { ChildJob, ChildReport } from './download-child.ts';
import { type Suite, type SuiteResult, type Table, formatBytes, mbPerS, median, parseBytes } from './lib.ts';
import { cpuCeilings, sha256CpuSPerGB } from './cpu-ceilings.ts';
import {
  type PageReportingMode,
  pausePageReporting,
  reportedKiB,
  reportedLog,
  reportedSince,
  reportingNote,
} from './page-reporting.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const CACHE = join(ROOT, '.cache', 'bench');
const WORK = join(CACHE, 'downloads');
const CHILD = fileURLToPath(new URL('./download-child.ts', import.meta.url));
const REPO = 'tessera-bench/random';
const SMALL_REPO = 'tessera-bench/random-small';
const FILE = 'random.bin';
const MARGIN = 256 * 2 ** 20;

interface RandomFile {
  path: string;
  size: number;
  sha256: string;
  seed: string;
}

const cachePath = (size: number, seed: string) =>
  join(CACHE, `random-${size}-${seed.replace(/\W+/g, '_')}.bin`);

async function cached(size: number, seed: string): Promise<RandomFile | undefined> {
  const path = cachePath(size, seed);
  const meta = (await readFile(`${path}.json`, 'utf8').then(JSON.parse, () => undefined)) as
    RandomFile | undefined;
  const info = await stat(path).catch(() => undefined);
  return meta && info?.size === size && meta.size === size ? { ...meta, path } : undefined;
}

/**
 * The file of `size` bytes for `seed`: an AES-256-CTR keystream (key = sha256 of the seed), so it is
 * incompressible, the same on every machine, and written at disk speed. Hashed while written.
 */
async function randomFile(size: number, seed: string, log: (line: string) => void): Promise<RandomFile> {
  const have = await cached(size, seed);
  if (have) return have;
  const path = cachePath(size, seed);
  log(`generating ${formatBytes(size)} of pseudo-random bytes into ${path} (once)…`);
  const began = performance.now();
  const key = createHash('sha256').update(`tessera-bench:${seed}`).digest();
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  const hash = createHash('sha256');
  const zeros = Buffer.alloc(16 * 2 ** 20);
  const handle = await open(`${path}.tmp`, 'w');
  try {
    for (let written = 0; written < size;) {
      const n = Math.min(zeros.length, size - written);
      const block = cipher.update(n === zeros.length ? zeros : zeros.subarray(0, n));
      hash.update(block);
      await handle.write(block);
      written += n;
    }
    await handle.sync(); // so its writeback does not land in the middle of a measured run
  } finally {
    await handle.close();
  }
  const file: RandomFile = { path, size, sha256: hash.digest('hex'), seed };
  await rename(`${path}.tmp`, path);
  await writeFile(`${path}.json`, `${JSON.stringify({ size, sha256: file.sha256, seed })}\n`);
  log(
    `generated in ${((performance.now() - began) / 1000).toFixed(1)} s, sha256 ${file.sha256.slice(0, 16)}…`,
  );
  return file;
}

/** Reads the file once so every measured run finds it in the page cache. */
async function warm(path: string): Promise<number> {
  const began = performance.now();
  for await (const _ of createReadStream(path, { highWaterMark: 2 ** 20 }));
  return performance.now() - began;
}

async function freeBytes(dir: string): Promise<number> {
  const info = await statfs(dir);
  return info.bavail * info.bsize;
}

function collect(
  command: string,
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string; wallMs: number }> {
  return new Promise((resolve, reject) => {
    const began = performance.now();
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, wallMs: performance.now() - began }));
  });
}

/** CPU time of this process (the hub serving the file) over a run. */
function serverCpu<T>(task: () => Promise<T>): Promise<[T, number]> {
  const before = process.cpuUsage();
  return task().then((value) => {
    const used = process.cpuUsage(before);
    return [value, (used.user + used.system) / 1000];
  });
}

interface CurlRun {
  client: 'curl';
  run: number;
  bytes: number;
  /** curl's own time_total (connect, redirect, transfer, writes). */
  ms: number;
  mbPerS: number;
  /** Spawn to exit, process start included. */
  wallMs: number;
  /** curl's CPU time (user + system), from the shell's `times`; undefined without bash. */
  cpuMs?: number;
  serverCpuMs: number;
  /** fsync of curl's copy afterwards (curl does not sync; Tessera does). */
  fsyncMs: number;
  mbPerSWithFsync: number;
  /** KiB of freed memory the VM reported to the host during the run (free page reporting), when it does. */
  reportedKiB?: number;
}

const HAS_BASH = process.platform !== 'win32' && spawnSync('bash', ['-c', 'true']).status === 0;

async function curlRun(url: string, dest: string, run: number): Promise<CurlRun> {
  const curl = ['curl', '-sS', '-L', '--fail', '-o', dest, '-w', '%{time_total} %{size_download}\\n', url];
  // Through bash so that `times` reports curl's CPU time (children's user and system).
  const [out, serverCpuMs] = await serverCpu(() =>
    HAS_BASH
      ? collect('bash', ['-c', '"$@" && times', 'bench', ...curl])
      : collect(curl[0] ?? 'curl', curl.slice(1)),
  );
  if (out.code !== 0) throw new Error(`curl exited ${out.code}: ${out.stderr.trim()}`);
  const lines = out.stdout.trim().split('\n');
  const [seconds, downloaded] = (lines[0] ?? '').trim().split(/\s+/).map(Number);
  const times = /(\d+)m([\d.]+)s\s+(\d+)m([\d.]+)s\s*$/.exec(lines[2] ?? '');
  const cpuMs = times
    ? (Number(times[1]) * 60 + Number(times[2]) + Number(times[3]) * 60 + Number(times[4])) * 1000
    : undefined;
  const bytes = (await stat(dest)).size;
  if (downloaded !== bytes) throw new Error(`curl reported ${downloaded} bytes but wrote ${bytes}`);
  const handle = await open(dest, 'r+');
  const began = performance.now();
  await handle.sync();
  const fsyncMs = performance.now() - began;
  await handle.close();
  const ms = (seconds ?? NaN) * 1000;
  return {
    client: 'curl',
    run,
    bytes,
    ms,
    mbPerS: mbPerS(bytes, ms),
    wallMs: out.wallMs,
    ...(cpuMs !== undefined ? { cpuMs } : {}),
    serverCpuMs,
    fsyncMs,
    mbPerSWithFsync: mbPerS(bytes, ms + fsyncMs),
  };
}

interface TesseraRun extends Omit<ChildReport, 'samples'> {
  client: 'tessera';
  run: number;
  bytes: number;
  ms: number;
  mbPerS: number;
  /** Throughput to the last byte (before the final digest, fsync and rename). */
  transferMbPerS: number;
  wallMs: number;
  cpuMs: number;
  serverCpuMs: number;
  /** Highest RSS sampled while downloading (every 100 ms and at each tenth). */
  peakRss: number;
  /** max − min RSS once 10 % of the file is in. */
  rssSpreadAfter10: number;
  samples: ChildReport['samples'];
  /** KiB of freed memory the VM reported to the host during the run (free page reporting), when it does. */
  reportedKiB?: number;
}

async function tesseraRun(
  endpoint: string,
  repo: string,
  dest: string,
  run: number,
  candidate?: string,
): Promise<TesseraRun> {
  const job: ChildJob = {
    endpoint,
    repo,
    path: FILE,
    dest,
    sampleMs: 100,
    ...(candidate ? { client: candidate } : {}),
  };
  const [out, serverCpuMs] = await serverCpu(() =>
    collect(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify(job)]),
  );
  if (out.code !== 0) throw new Error(`the Tessera download exited ${out.code}: ${out.stderr.trim()}`);
  const report = JSON.parse(out.stdout.trim().split('\n').pop() ?? '{}') as ChildReport;
  const bytes = (await stat(dest)).size;
  if (bytes !== report.size) throw new Error(`Tessera wrote ${bytes} bytes of ${report.size}`);
  const after10 = [
    ...report.samples.filter((s) => s.bytes >= report.size / 10).map((s) => s.rss),
    ...report.tenths,
  ];
  return {
    client: 'tessera',
    run,
    ...report,
    bytes,
    ms: report.downloadMs,
    mbPerS: mbPerS(bytes, report.downloadMs),
    transferMbPerS: mbPerS(bytes, report.transferMs),
    wallMs: out.wallMs,
    cpuMs: report.userMs + report.systemMs,
    serverCpuMs,
    peakRss: Math.max(...report.samples.map((s) => s.rss), ...report.tenths),
    rssSpreadAfter10: Math.max(...after10) - Math.min(...after10),
  };
}

const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
const f1 = (n: number) => n.toFixed(1);
const f2 = (n: number) => n.toFixed(2);

async function run(argv: string[], log: (line: string) => void): Promise<SuiteResult> {
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
  const rssSize = parseBytes(String(values['rss-size']));
  const runs = Number(values.runs);
  const seed = String(values.seed);
  const candidate = typeof values.client === 'string' ? resolve(values.client) : undefined;
  if (!Number.isInteger(runs) || runs < 1)
    throw new Error(`--runs must be a whole number ≥ 1, not ${values.runs}`);
  if (size < 1) throw new Error('--size must be at least one byte');
  const pageReporting = String(values['page-reporting']);
  if (pageReporting !== 'pause' && pageReporting !== 'keep')
    throw new Error(`--page-reporting must be pause or keep, not ${pageReporting}`);

  const curlVersion = spawnSync('curl', ['--version'], { encoding: 'utf8' });
  if (curlVersion.status !== 0)
    throw new Error('curl is not installed (or not on PATH): it is the baseline.');

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

  const served = (f: RandomFile): HubRepoSource => ({
    files: { [FILE]: { path: f.path, size: f.size, sha256: f.sha256 } },
  });
  const curlRuns: CurlRun[] = [];
  const tesseraRuns: TesseraRun[] = [];
  let smallRun: TesseraRun | undefined;
  let sha256: number | undefined;
  const loadBefore = loadavg()[0] ?? 0;
  // Two copies' worth of page cache (the first round) and a margin for the smaller file and the processes.
  const reporting = await pausePageReporting(
    pageReporting as PageReportingMode,
    2 * size + 512 * 2 ** 20,
    log,
  );
  let hub: LocalHub | undefined;
  try {
    hub = await LocalHub.start({
      [REPO]: served(big),
      ...(small ? { [SMALL_REPO]: served(small) } : {}),
    });
    const url = `${hub.url}/${REPO}/resolve/main/${FILE}`;
    log(`page cache warm-up read of the file: ${f1(mbPerS(size, await warm(big.path)))} MB/s`);
    await rm(WORK, { recursive: true, force: true });
    let n = 0;
    const fresh = async () => {
      const dir = join(WORK, `run-${n++}`);
      await mkdir(dir, { recursive: true });
      return join(dir, FILE);
    };
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
            ...(await tesseraRun(hub.url, REPO, dest, i + 1, candidate)),
            ...reportedSince(kib),
          };
          tesseraRuns.push(r);
          log(
            `run ${i + 1}/${runs} tessera  ${f1(r.mbPerS)} MB/s (${f1(r.ms / 1000)} s: last byte at ` +
              `${f1(r.transferMs / 1000)} s, then ${f1(r.finishMs / 1000)} s digest+fsync+rename), ` +
              `peak RSS ${mib(r.peakRss)} MiB${reportedLog(r)}`,
          );
        }
        await rm(join(dest, '..'), { recursive: true, force: true });
      }
    }
    if (small) {
      const dest = await fresh();
      const kib = reportedKiB();
      smallRun = { ...(await tesseraRun(hub.url, SMALL_REPO, dest, 1, candidate)), ...reportedSince(kib) };
      log(
        `tessera ${formatBytes(small.size)}: peak RSS ${mib(smallRun.peakRss)} MiB${reportedLog(smallRun)}`,
      );
      await rm(join(dest, '..'), { recursive: true, force: true });
    }
    sha256 = await sha256CpuSPerGB(big.path, size);
  } finally {
    reporting.restore();
    await hub?.close();
    await rm(WORK, { recursive: true, force: true });
  }
  const loadAfter = loadavg()[0] ?? 0;

  const gb = size / 1e9;
  const curlMb = median(curlRuns.map((r) => r.mbPerS));
  const curlSyncMb = median(curlRuns.map((r) => r.mbPerSWithFsync));
  const tesseraMb = median(tesseraRuns.map((r) => r.mbPerS));
  const transferMb = median(tesseraRuns.map((r) => r.transferMbPerS));
  const curlCpu = curlRuns.flatMap((r) => (r.cpuMs === undefined ? [] : [r.cpuMs]));
  const medians: Record<string, number> = {
    curlMbPerS: curlMb,
    curlWithFsyncMbPerS: curlSyncMb,
    tesseraMbPerS: tesseraMb,
    tesseraTransferMbPerS: transferMb,
    ratio: tesseraMb / curlMb,
    ratioToCurlWithFsync: tesseraMb / curlSyncMb,
    ratioTransferToCurl: transferMb / curlMb,
    curlFsyncMs: median(curlRuns.map((r) => r.fsyncMs)),
    tesseraFinishMs: median(tesseraRuns.map((r) => r.finishMs)),
    ...(curlCpu.length > 0 ? { curlCpuSPerGB: median(curlCpu) / 1000 / gb } : {}),
    tesseraCpuSPerGB: median(tesseraRuns.map((r) => r.cpuMs)) / 1000 / gb,
    hubCpuSPerGBForCurl: median(curlRuns.map((r) => r.serverCpuMs)) / 1000 / gb,
    hubCpuSPerGBForTessera: median(tesseraRuns.map((r) => r.serverCpuMs)) / 1000 / gb,
    tesseraPeakRss: median(tesseraRuns.map((r) => r.peakRss)),
    tesseraVmHwm: median(tesseraRuns.map((r) => r.vmHwm ?? NaN)),
    tesseraRssSpreadAfter10: median(tesseraRuns.map((r) => r.rssSpreadAfter10)),
    ...(smallRun ? { tesseraSmallPeakRss: smallRun.peakRss } : {}),
    loadBefore,
    loadAfter,
  };
  const threadRuns = tesseraRuns.flatMap((r) => (r.threads ? [r.threads] : []));
  const perGb = (values: number[]) => median(values) / 1000 / gb;
  const ceilings = cpuCeilings({
    cores: availableParallelism(),
    curlMbPerS: curlMb,
    ...(medians.curlCpuSPerGB !== undefined ? { curlCpu: medians.curlCpuSPerGB } : {}),
    tesseraCpu: medians.tesseraCpuSPerGB ?? NaN,
    hubForCurl: medians.hubCpuSPerGBForCurl ?? NaN,
    hubForTessera: medians.hubCpuSPerGBForTessera ?? NaN,
    sha256: sha256 ?? NaN,
    ...(threadRuns.length > 0
      ? {
          threads: {
            main: perGb(threadRuns.map((t) => t.mainMs)),
            busiestOther: perGb(threadRuns.map((t) => t.busiestOtherMs)),
            busiest: perGb(threadRuns.map((t) => Math.max(t.mainMs, t.busiestOtherMs))),
            others: perGb(threadRuns.map((t) => t.othersMs)),
          },
        }
      : {}),
  });
  Object.assign(medians, ceilings.medians);
  const range = (xs: number[]) => `${f1(Math.min(...xs))}–${f1(Math.max(...xs))}`;
  const cpuPerGb = (ms: number | undefined) => (ms === undefined ? 'n/a' : f2(ms / 1000 / gb));
  const speed: Table = {
    title:
      `Download of one ${formatBytes(size)} file from LocalHub on 127.0.0.1 ` +
      `(MB = 10^6 bytes; medians of ${runs} runs each, alternating; CPU = user + system of the client process)`,
    columns: ['client', 'median MB/s', 'range MB/s', 'median s', 'vs curl', 'CPU s/GB'],
    rows: [
      [
        'curl -L -o',
        f1(curlMb),
        range(curlRuns.map((r) => r.mbPerS)),
        f1(gb / (curlMb / 1000)),
        '1.00',
        cpuPerGb(curlCpu.length > 0 ? median(curlCpu) : undefined),
      ],
      [
        'curl -L -o, then fsync',
        f1(curlSyncMb),
        range(curlRuns.map((r) => r.mbPerSWithFsync)),
        f1(gb / (curlSyncMb / 1000)),
        f2(curlSyncMb / curlMb),
        '',
      ],
      [
        candidate ? `Tessera, ${basename(candidate)}` : 'Tessera downloadFile',
        f1(tesseraMb),
        range(tesseraRuns.map((r) => r.mbPerS)),
        f1(gb / (tesseraMb / 1000)),
        f2(tesseraMb / curlMb),
        cpuPerGb(median(tesseraRuns.map((r) => r.cpuMs))),
      ],
      [
        '  to its last byte',
        f1(transferMb),
        range(tesseraRuns.map((r) => r.transferMbPerS)),
        f1(gb / (transferMb / 1000)),
        f2(transferMb / curlMb),
        '',
      ],
    ],
  };
  const memory: Table = {
    title:
      'Tessera download process RSS (MiB): peak sampled every 100 ms while downloading; VmHWM is the ' +
      'whole process (tsx start-up included)',
    columns: ['file', 'before', 'peak', 'VmHWM', 'spread after 10%', 'RSS at 10% … 100% of the file'],
    rows: [...tesseraRuns, ...(smallRun ? [smallRun] : [])].map((r) => [
      `${formatBytes(r.bytes)} #${r.run}`,
      mib(r.rssBefore),
      mib(r.peakRss),
      r.vmHwm === undefined ? 'n/a' : mib(r.vmHwm),
      mib(r.rssSpreadAfter10),
      r.tenths.map(mib).join(' '),
    ]),
  };
  const cores = availableParallelism();
  const notes = [
    `Tessera / curl = ${f2(medians.ratio ?? NaN)} (target ≥ 0.90): ${(medians.ratio ?? 0) >= 0.9 ? 'met' : 'NOT met'}; ` +
      `to its last byte ${f2(medians.ratioTransferToCurl ?? NaN)}; against curl followed by fsync ` +
      `${f2(medians.ratioToCurlWithFsync ?? NaN)}.`,
    `After its last byte Tessera spends a median ${f1((medians.tesseraFinishMs ?? 0) / 1000)} s (digest, fsync, ` +
      `close, rename); fsync of curl's copy afterwards takes ${f1((medians.curlFsyncMs ?? 0) / 1000)} s.`,
    `The hub (this process) used ${f2(medians.hubCpuSPerGBForCurl ?? NaN)} CPU s/GB serving curl and ` +
      `${f2(medians.hubCpuSPerGBForTessera ?? NaN)} serving Tessera.`,
    `curl's time is its own time_total; Tessera's is downloadFile in its own process (node start-up and ` +
      `snapshot excluded).`,
    ...ceilings.notes,
  ];
  const reported = reportingNote([...curlRuns, ...tesseraRuns, ...(smallRun ? [smallRun] : [])]);
  if (reported) notes.push(reported);
  if (Math.max(loadBefore, loadAfter) > cores / 2) {
    notes.push(
      `The machine was busy (load average ${f1(loadBefore)} before, ${f1(loadAfter)} after, on ${cores} cores): ` +
        `wall-clock figures are unreliable; CPU s/GB is the steadier comparison.`,
    );
  }
  return {
    params: {
      size,
      rssSize,
      runs,
      seed,
      sha256: big.sha256,
      file: big.path,
      curl: curlVersion.stdout.split('\n')[0],
      freeDiskBytes: free,
      client: candidate ?? 'main/downloads/hub-client.ts',
      pageReporting: reporting.outcome,
    },
    runs: [
      ...curlRuns,
      ...tesseraRuns,
      ...(smallRun ? [{ ...smallRun, smallFile: true }] : []),
    ] as unknown as Record<string, unknown>[],
    medians,
    tables: [speed, memory],
    notes,
  };
}

export const downloads: Suite = {
  name: 'downloads',
  description: 'HubClient.downloadFile against curl on a multi-GB file from a local hub; peak RSS',
  run,
};
