/**
 * One measured download by each client: curl in a bash shell (for its CPU time), Tessera in a child
 * process of its own (bench/download-child.ts, which samples its RSS). Each also records the CPU time this
 * process (the hub serving the file) spent meanwhile.
 */
import { spawn, spawnSync } from 'node:child_process';
import { open, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { ChildJob, ChildReport } from '../download-child.ts';
import { mbPerS } from '../lib.ts';

const CHILD = fileURLToPath(new URL('../download-child.ts', import.meta.url));
/** The one file of each served repo. */
export const FILE = 'random.bin';

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

export interface CurlRun {
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

export async function curlRun(url: string, dest: string, run: number): Promise<CurlRun> {
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

export interface TesseraRun extends Omit<ChildReport, 'samples'> {
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

export async function tesseraRun(
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
