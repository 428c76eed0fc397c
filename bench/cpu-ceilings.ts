/**
 * What bounds a download on a small machine: the CPU it takes per GB. On a 2-core machine the client, the hub
 * serving it and the kernel share the cores, so the figures here turn a run's CPU times into ceilings
 * (bench/README.md, downloads).
 */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';

const f1 = (n: number) => n.toFixed(1);
const f2 = (n: number) => n.toFixed(2);

/**
 * CPU s/GB of sha256 alone on this machine: hashes up to 256 MiB of `path`, read into memory first, in
 * 1 MiB updates, and counts this process's CPU time for the hashing only.
 */
export async function sha256CpuSPerGB(path: string, size: number): Promise<number> {
  const n = Math.min(size, 256 * 2 ** 20);
  const bytes = Buffer.allocUnsafe(n);
  const handle = await open(path, 'r');
  try {
    for (let at = 0; at < n;) {
      const { bytesRead } = await handle.read(bytes, at, n - at, at);
      if (bytesRead === 0) throw new Error(`${path} ended at ${at} bytes`);
      at += bytesRead;
    }
  } finally {
    await handle.close();
  }
  const before = process.cpuUsage();
  const hash = createHash('sha256');
  for (let at = 0; at < n; at += 2 ** 20) hash.update(bytes.subarray(at, at + 2 ** 20));
  hash.digest();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1e6 / (n / 1e9);
}

/** Medians of a run's CPU figures, in CPU s per 10^9 bytes, and what the ceilings are worked out from. */
export interface CpuFigures {
  cores: number;
  curlMbPerS: number;
  /** Undefined without bash (no `times`). */
  curlCpu?: number;
  tesseraCpu: number;
  hubForCurl: number;
  hubForTessera: number;
  sha256: number;
  /** From the Tessera child's /proc/self/task; undefined without /proc. */
  threads?: { main: number; busiestOther: number; busiest: number; others: number };
}

/**
 * The CPU-bound ceilings of both clients on this machine, from the run's own figures. On a small machine
 * the client, the hub serving it and the kernel share the same few cores, so a client that needs C CPU s per
 * GB (its own plus the hub's) cannot go faster than cores / C GB/s, however well its work overlaps; a single
 * thread cannot go faster than 1 / (its CPU s per GB). Returns the figures for `medians` and the notes.
 */
export function cpuCeilings(c: CpuFigures): { medians: Record<string, number>; notes: string[] } {
  const medians: Record<string, number> = { cores: c.cores, sha256CpuSPerGB: c.sha256 };
  const notes: string[] = [];
  const tesseraNeed = c.tesseraCpu + c.hubForTessera;
  const tesseraCeiling = (c.cores / tesseraNeed) * 1000;
  medians.tesseraCpuCeilingMbPerS = tesseraCeiling;
  const tesseraPart =
    `Tessera's runs need ${f2(c.tesseraCpu)} + ${f2(c.hubForTessera)} (hub) = ${f2(tesseraNeed)} CPU s/GB, ` +
    `so at most ${f1(tesseraCeiling)} MB/s`;
  if (c.curlCpu !== undefined) {
    const curlNeed = c.curlCpu + c.hubForCurl;
    const curlCeiling = (c.cores / curlNeed) * 1000;
    medians.curlCpuCeilingMbPerS = curlCeiling;
    medians.cpuCeilingRatio = tesseraCeiling / curlCeiling;
    notes.push(
      `CPU ceilings on ${c.cores} cores, if the client and the hub overlapped perfectly: curl's runs need ` +
        `${f2(c.curlCpu)} + ${f2(c.hubForCurl)} (hub) = ${f2(curlNeed)} CPU s/GB, so at most ` +
        `${f1(curlCeiling)} MB/s; ${tesseraPart}. The best Tessera / curl this machine allows with ` +
        `Tessera's present CPU cost is ${f2(tesseraCeiling / curlCeiling)}.`,
    );
  } else {
    notes.push(
      `CPU ceiling on ${c.cores} cores, if the client and the hub overlapped perfectly: ${tesseraPart}.`,
    );
  }
  const budget = c.cores / (0.9 * (c.curlMbPerS / 1000)) - c.hubForTessera;
  medians.tesseraCpuBudgetSPerGBFor09 = budget;
  notes.push(
    `For 0.9 of curl's measured ${f1(c.curlMbPerS)} MB/s, Tessera could spend at most ${f2(budget)} CPU s/GB ` +
      `(${c.cores} cores / ${f2((0.9 * c.curlMbPerS) / 1000)} GB/s − the hub's ${f2(c.hubForTessera)}). ` +
      `sha256 alone costs ${f2(c.sha256)} CPU s/GB here (256 MiB hashed from memory in this process)` +
      (budget > c.sha256
        ? `, which leaves ${f2(budget - c.sha256)} for everything else.`
        : `, more than that budget.`),
  );
  if (c.threads) {
    const t = c.threads;
    medians.tesseraMainThreadCpuSPerGB = t.main;
    medians.tesseraBusiestOtherThreadCpuSPerGB = t.busiestOther;
    medians.tesseraOtherThreadsCpuSPerGB = t.others;
    medians.tesseraBusiestThreadCpuSPerGB = t.busiest;
    medians.tesseraThreadCeilingMbPerS = 1000 / t.busiest;
    notes.push(
      `Tessera's busiest thread spent ${f2(t.busiest)} CPU s/GB (main thread ${f2(t.main)}; busiest other ` +
        `thread ${f2(t.busiestOther)}, all other threads ${f2(t.others)}). With a core per thread its ` +
        `pipeline could run at 1/${f2(t.busiest)} GB/s = ${f1(1000 / t.busiest)} MB/s.`,
    );
  }
  return { medians, notes };
}
