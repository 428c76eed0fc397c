/**
 * One Tessera download in a process of its own, so its memory is measured alone. Usage (from the downloads
 * suite): node --import tsx bench/download-child.ts '{"endpoint":…,"repo":…,"path":…,"dest":…}'
 * Prints one JSON line: timings, RSS samples every `sampleMs` plus at each tenth of the file, and (on Linux)
 * the CPU time of each thread during the download.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as HubClientModule from '../main/downloads/hub-client.ts';

export interface ChildJob {
  endpoint: string;
  repo: string;
  path: string;
  dest: string;
  sampleMs?: number;
  /** A module exporting a HubClient to measure instead of main/downloads/hub-client.ts (a candidate change). */
  client?: string;
}

export interface RssSample {
  /** ms since the download started. */
  ms: number;
  bytes: number;
  rss: number;
  heapUsed: number;
  arrayBuffers: number;
}

/** CPU time (user + system) per thread during downloadFile, from /proc/self/task. */
export interface ThreadCpu {
  /** The main (JavaScript) thread: the task whose id is the process id. */
  mainMs: number;
  /** The busiest of the other threads (libuv pool, V8 helpers, …; on Node 20 all are named "node"). */
  busiestOtherMs: number;
  /** Every thread but the main one, the busiest included. */
  othersMs: number;
}

export interface ChildReport {
  size: number;
  /** downloadFile, start to resolve. */
  downloadMs: number;
  /** Start to the progress report of the last byte (the transfer, hashing and writes). */
  transferMs: number;
  /** Last byte to resolve: digest, fsync, close, rename. */
  finishMs: number;
  /** CPU time of the whole process (every thread) during downloadFile. */
  userMs: number;
  systemMs: number;
  rssBefore: number;
  /** The kernel's peak RSS of this process (VmHWM), when /proc has it. */
  vmHwm?: number;
  samples: RssSample[];
  /** RSS when 10 %, 20 % … 100 % of the file had arrived. */
  tenths: number[];
  /** Per-thread CPU during downloadFile; absent without /proc. */
  threads?: ThreadCpu;
}

function vmHwm(): number | undefined {
  try {
    const kb = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    return kb === undefined ? undefined : Number(kb) * 1024;
  } catch {
    return undefined;
  }
}

/** Clock ticks per second, the unit of utime and stime in /proc (100 on Linux, asked once). */
function clockTicks(): number {
  const out = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  const ticks = Number(out.stdout?.trim());
  return out.status === 0 && ticks > 0 ? ticks : 100;
}

/** utime + stime (clock ticks) of every thread of this process by thread id, or undefined without /proc. */
function taskCpu(): Map<number, number> | undefined {
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return undefined;
  }
  const tasks = new Map<number, number>();
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      // "tid (comm) state ppid …": comm may hold spaces and parentheses, so split after the last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // utime and stime are fields 14 and 15 of the line; here the list starts at field 3 (state).
      tasks.set(Number(tid), Number(fields[11]) + Number(fields[12]));
    } catch {
      // The thread ended between readdir and read.
    }
  }
  return tasks;
}

/** CPU per thread between two taskCpu() snapshots; threads that started in between count from 0. */
function threadCpu(
  before: Map<number, number> | undefined,
  after: Map<number, number> | undefined,
  ticksPerS: number,
): ThreadCpu | undefined {
  if (!before || !after) return undefined;
  const ms = (ticks: number) => (ticks * 1000) / ticksPerS;
  const result: ThreadCpu = { mainMs: 0, busiestOtherMs: 0, othersMs: 0 };
  for (const [tid, ticks] of after) {
    const used = ms(ticks - (before.get(tid) ?? 0));
    if (tid === process.pid) result.mainMs = used;
    else {
      result.othersMs += used;
      result.busiestOtherMs = Math.max(result.busiestOtherMs, used);
    }
  }
  return result;
}

const job = JSON.parse(process.argv[2] ?? '{}') as ChildJob;
if (!job.endpoint || !job.repo || !job.path || !job.dest)
  throw new Error('download-child: missing job fields');
const module = job.client
  ? isAbsolute(job.client)
    ? pathToFileURL(job.client).href
    : job.client
  : '../main/downloads/hub-client.ts';
const { HubClient } = (await import(module)) as typeof HubClientModule;
const client = new HubClient({ endpoint: job.endpoint });
const snapshot = await client.snapshot(job.repo);
const file = snapshot.files.find((f) => f.path === job.path);
if (!file?.size || !file.sha256)
  throw new Error(`download-child: ${job.path} has no size or sha256 on the hub`);
const size = file.size;

const samples: RssSample[] = [];
const tenths: number[] = [];
let bytes = 0;
let lastByteAt = NaN;
const ticksPerS = process.platform === 'linux' ? clockTicks() : 100;
const tasksBefore = taskCpu();
const cpuBefore = process.cpuUsage();
const start = performance.now();
const sample = () => {
  const m = process.memoryUsage();
  samples.push({
    ms: Math.round(performance.now() - start),
    bytes,
    rss: m.rss,
    heapUsed: m.heapUsed,
    arrayBuffers: m.arrayBuffers,
  });
};
const rssBefore = process.memoryUsage.rss();
sample();
const timer = setInterval(sample, job.sampleMs ?? 100);
await client.downloadFile(snapshot.repo, snapshot.commit, file, job.dest, {
  onProgress: (progress) => {
    bytes = progress.bytes;
    while (tenths.length < 10 && bytes >= ((tenths.length + 1) / 10) * size)
      tenths.push(process.memoryUsage.rss());
    if (bytes === size && Number.isNaN(lastByteAt)) lastByteAt = performance.now();
  },
});
const end = performance.now();
const cpu = process.cpuUsage(cpuBefore);
const threads = threadCpu(tasksBefore, taskCpu(), ticksPerS);
clearInterval(timer);
sample();
const report: ChildReport = {
  size,
  downloadMs: end - start,
  transferMs: lastByteAt - start,
  finishMs: end - lastByteAt,
  userMs: cpu.user / 1000,
  systemMs: cpu.system / 1000,
  rssBefore,
  ...(vmHwm() !== undefined ? { vmHwm: vmHwm() } : {}),
  samples,
  tenths,
  ...(threads ? { threads } : {}),
};
process.stdout.write(`${JSON.stringify(report)}\n`);
