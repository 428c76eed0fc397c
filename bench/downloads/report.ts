/** The downloads suite's figures: medians and CPU ceilings, the speed and RSS tables, and the notes. */
import { availableParallelism } from 'node:os';
import { basename } from 'node:path';
import { cpuCeilings } from '../cpu-ceilings.ts';
import { type Table, formatBytes, median } from '../lib.ts';
import { reportingNote } from '../page-reporting.ts';
import type { CurlRun, TesseraRun } from './clients.ts';

/** What the measured part of the suite gathered. */
export interface Measured {
  curlRuns: CurlRun[];
  tesseraRuns: TesseraRun[];
  /** The one download of the smaller file, when `--rss-size` is not 0. */
  smallRun: TesseraRun | undefined;
  /** sha256 alone, CPU s per GB, measured in the same run. */
  sha256: number | undefined;
  loadBefore: number;
  loadAfter: number;
}

export interface ReportSettings {
  size: number;
  runs: number;
  /** The candidate HubClient module (`--client`), if one was measured. */
  candidate: string | undefined;
}

const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
const f1 = (n: number) => n.toFixed(1);
const f2 = (n: number) => n.toFixed(2);

export function report(
  settings: ReportSettings,
  measured: Measured,
): { medians: Record<string, number>; tables: Table[]; notes: string[] } {
  const { medians, ceilingNotes } = summarise(settings.size, measured);
  return {
    medians,
    tables: [speedTable(settings, measured, medians), memoryTable(measured)],
    notes: [...comparisonNotes(medians), ...ceilingNotes, ...loadNotes(measured)],
  };
}

/** Medians of every figure, and the CPU-bound ceilings worked out from them. */
function summarise(
  size: number,
  { curlRuns, tesseraRuns, smallRun, sha256, loadBefore, loadAfter }: Measured,
): { medians: Record<string, number>; ceilingNotes: string[] } {
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
  return { medians, ceilingNotes: ceilings.notes };
}

/** Speed of each client; the figures are `summarise`'s medians (MB/s; CPU s per GB). */
function speedTable(
  { size, runs, candidate }: ReportSettings,
  { curlRuns, tesseraRuns }: Measured,
  medians: Record<string, number>,
): Table {
  const gb = size / 1e9;
  const curlMb = medians.curlMbPerS ?? NaN;
  const curlSyncMb = medians.curlWithFsyncMbPerS ?? NaN;
  const tesseraMb = medians.tesseraMbPerS ?? NaN;
  const transferMb = medians.tesseraTransferMbPerS ?? NaN;
  const range = (xs: number[]) => `${f1(Math.min(...xs))}–${f1(Math.max(...xs))}`;
  const cpu = (sPerGb: number | undefined) => (sPerGb === undefined ? 'n/a' : f2(sPerGb));
  const seconds = (mbPerS: number) => f1(gb / (mbPerS / 1000));
  return {
    title:
      `Download of one ${formatBytes(size)} file from LocalHub on 127.0.0.1 ` +
      `(MB = 10^6 bytes; medians of ${runs} runs each, alternating; CPU = user + system of the client process)`,
    columns: ['client', 'median MB/s', 'range MB/s', 'median s', 'vs curl', 'CPU s/GB'],
    rows: [
      [
        'curl -L -o',
        f1(curlMb),
        range(curlRuns.map((r) => r.mbPerS)),
        seconds(curlMb),
        '1.00',
        cpu(medians.curlCpuSPerGB),
      ],
      [
        'curl -L -o, then fsync',
        f1(curlSyncMb),
        range(curlRuns.map((r) => r.mbPerSWithFsync)),
        seconds(curlSyncMb),
        f2(curlSyncMb / curlMb),
        '',
      ],
      [
        candidate ? `Tessera, ${basename(candidate)}` : 'Tessera downloadFile',
        f1(tesseraMb),
        range(tesseraRuns.map((r) => r.mbPerS)),
        seconds(tesseraMb),
        f2(tesseraMb / curlMb),
        cpu(medians.tesseraCpuSPerGB),
      ],
      [
        '  to its last byte',
        f1(transferMb),
        range(tesseraRuns.map((r) => r.transferMbPerS)),
        seconds(transferMb),
        f2(transferMb / curlMb),
        '',
      ],
    ],
  };
}

function memoryTable({ tesseraRuns, smallRun }: Measured): Table {
  return {
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
}

/** How Tessera compares with curl, and where its time and the hub's CPU went. */
function comparisonNotes(medians: Record<string, number>): string[] {
  return [
    `Tessera / curl = ${f2(medians.ratio ?? NaN)} (target ≥ 0.90): ${(medians.ratio ?? 0) >= 0.9 ? 'met' : 'NOT met'}; ` +
      `to its last byte ${f2(medians.ratioTransferToCurl ?? NaN)}; against curl followed by fsync ` +
      `${f2(medians.ratioToCurlWithFsync ?? NaN)}.`,
    `After its last byte Tessera spends a median ${f1((medians.tesseraFinishMs ?? 0) / 1000)} s (digest, fsync, ` +
      `close, rename); fsync of curl's copy afterwards takes ${f1((medians.curlFsyncMs ?? 0) / 1000)} s.`,
    `The hub (this process) used ${f2(medians.hubCpuSPerGBForCurl ?? NaN)} CPU s/GB serving curl and ` +
      `${f2(medians.hubCpuSPerGBForTessera ?? NaN)} serving Tessera.`,
    `curl's time is its own time_total; Tessera's is downloadFile in its own process (node start-up and ` +
      `snapshot excluded).`,
  ];
}

/** Free page reporting during the runs, and a busy machine: both make wall-clock figures unreliable. */
function loadNotes({ curlRuns, tesseraRuns, smallRun, loadBefore, loadAfter }: Measured): string[] {
  const lines: string[] = [];
  const reported = reportingNote([...curlRuns, ...tesseraRuns, ...(smallRun ? [smallRun] : [])]);
  if (reported) lines.push(reported);
  const cores = availableParallelism();
  if (Math.max(loadBefore, loadAfter) > cores / 2) {
    lines.push(
      `The machine was busy (load average ${f1(loadBefore)} before, ${f1(loadAfter)} after, on ${cores} cores): ` +
        `wall-clock figures are unreliable; CPU s/GB is the steadier comparison.`,
    );
  }
  return lines;
}
