/**
 * The inference suite's arithmetic, kept pure so it is unit-tested: which figures are compared, medians per
 * system, ratios oriented so that > 1 means Tessera is better, targets, and the roofline.
 */
import type { ChildResult } from './inference-common.ts';
import { type Table, median } from './lib.ts';

export interface Metric {
  key: string;
  label: string;
  pick: (run: ChildResult) => number;
  /** Which way is better: ms and bytes lower, tokens per second higher. */
  better: 'lower' | 'higher';
  /** The ratio Tessera must reach (> 1 = Tessera better); none for figures without a target. */
  target?: number;
  /** A figure Tessera's own median must reach (≥ for `higher`, ≤ for `lower`), with its unit. */
  absolute?: { value: number; unit: string };
  format: (value: number) => string;
}

const ms = (v: number) => (Number.isFinite(v) ? v.toFixed(v >= 100 ? 0 : 1) : 'n/a');
const perS = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : 'n/a');
const mib = (v: number) => (Number.isFinite(v) ? (v / 2 ** 20).toFixed(0) : 'n/a');

/** Peak resident memory of the last run before this suite's speed work (2026-11-26, README). */
export const PEAK_RSS_BEFORE_MIB = 2603;

export const METRICS: Metric[] = [
  {
    key: 'preprocess1080Ms',
    label: 'preprocess 1920×1080 (ms)',
    pick: (r) => r.preprocess.hd.warmMs,
    better: 'lower',
    target: 3,
    format: ms,
  },
  {
    key: 'preprocess2160Ms',
    label: 'preprocess 3840×2160 (ms)',
    pick: (r) => r.preprocess.uhd.warmMs,
    better: 'lower',
    target: 3,
    format: ms,
  },
  {
    key: 'encodeMs',
    label: 'vision encode (ms)',
    pick: (r) => r.turn1.encodeMs,
    better: 'lower',
    // transformers.js runs the encoder with float arithmetic: the baseline the target is set against.
    target: 1.8,
    format: ms,
  },
  {
    key: 'prefill1TokPerS',
    label: 'prefill, turn 1 (tokens/s)',
    // A system without the figure reports NaN, which arrives from the child's JSON as null.
    pick: (r) =>
      r.turn1.prefillMs > 0
        ? ((r.turn1.promptTokens - r.turn1.cachedTokens) * 1000) / r.turn1.prefillMs
        : NaN,
    better: 'higher',
    absolute: { value: 450, unit: 'tok/s' },
    format: perS,
  },
  {
    key: 'ttft1Ms',
    label: 'TTFT turn 1: image + question (ms)',
    pick: (r) => r.turn1.ttftMs,
    better: 'lower',
    target: 1.3,
    format: ms,
  },
  {
    key: 'ttft2Ms',
    label: 'TTFT turn 2: follow-up (ms)',
    pick: (r) => r.turn2.ttftMs,
    better: 'lower',
    target: 30,
    format: ms,
  },
  {
    key: 'decodeTokPerS',
    label: 'decode, turn 1 (tokens/s)',
    pick: (r) => r.turn1.decodeTokensPerSecond,
    better: 'higher',
    absolute: { value: 50, unit: 'tok/s' },
    format: perS,
  },
  {
    key: 'outsideMsPerToken',
    label: 'outside session.run (ms/token)',
    pick: (r) => r.turn1.outsideMsPerToken,
    better: 'lower',
    format: ms,
  },
  {
    key: 'runMsPerToken',
    label: 'inside session.run (ms/token)',
    pick: (r) => r.turn1.runMsPerToken,
    better: 'lower',
    format: ms,
  },
  {
    key: 'peakRssBytes',
    label: 'peak resident memory (MiB)',
    pick: (r) => r.peakRssBytes,
    better: 'lower',
    target: 1,
    absolute: { value: PEAK_RSS_BEFORE_MIB * 2 ** 20, unit: 'MiB' },
    format: mib,
  },
  {
    key: 'loadMs',
    label: 'model load, page cache warm (ms)',
    pick: (r) => r.loadMs,
    better: 'lower',
    format: ms,
  },
];

/** Whether Tessera's own median reaches the metric's absolute target. */
export function meetsAbsolute(metric: Metric, tessera: number): boolean | undefined {
  if (!metric.absolute || !Number.isFinite(tessera)) return undefined;
  return metric.better === 'higher' ? tessera >= metric.absolute.value : tessera <= metric.absolute.value;
}

function targetText(metric: Metric): string {
  const parts: string[] = [];
  if (metric.target !== undefined) parts.push(`≥ ${metric.target}×`);
  if (metric.absolute) {
    const op = metric.better === 'higher' ? '≥' : '≤';
    parts.push(`${op} ${metric.format(metric.absolute.value)} ${metric.absolute.unit}`);
  }
  return parts.join(', ');
}

/** > 1 when Tessera is better, whichever way the metric goes. */
export function advantage(metric: Pick<Metric, 'better'>, tessera: number, transformers: number): number {
  return metric.better === 'lower' ? transformers / tessera : tessera / transformers;
}

export interface Summary {
  /** `<metric>.tessera`, `<metric>.transformers`, `<metric>.ratio`, roofline figures. */
  medians: Record<string, number>;
  table: Table;
}

export interface Roofline {
  /** Memory read bandwidth measured in this run (GB/s, 10^9 bytes). */
  bandwidthGBps: number;
  /** Decoder weights read per generated token (bytes). */
  bytesPerToken: number;
}

/** Tokens per second if every token only had to stream the decoder's weights once from memory. */
export function rooflineTokensPerSecond(roofline: Roofline): number {
  return (roofline.bandwidthGBps * 1e9) / roofline.bytesPerToken;
}

const ratioText = (r: number) => (Number.isFinite(r) ? `${r.toFixed(2)}×` : 'n/a');

export function summarize(
  runs: ChildResult[],
  roofline: Roofline,
  rooflineTarget: number | undefined,
  title: string,
): Summary {
  const of = (system: ChildResult['system']) => runs.filter((r) => r.system === system);
  const medians: Record<string, number> = {};
  const rows: string[][] = [];
  for (const metric of METRICS) {
    const tessera = median(of('tessera').map(metric.pick));
    const transformers = median(of('transformers').map(metric.pick));
    const ratio = advantage(metric, tessera, transformers);
    Object.assign(medians, {
      [`${metric.key}.tessera`]: tessera,
      [`${metric.key}.transformers`]: transformers,
      [`${metric.key}.ratio`]: ratio,
    });
    const verdicts = [
      metric.target === undefined || !Number.isFinite(ratio) ? undefined : ratio >= metric.target,
      meetsAbsolute(metric, tessera),
    ].filter((v): v is boolean => v !== undefined);
    rows.push([
      metric.label,
      metric.format(tessera),
      metric.format(transformers),
      ratioText(ratio),
      targetText(metric),
      verdicts.length === 0 ? '' : verdicts.every(Boolean) ? 'met' : 'NOT met',
    ]);
  }
  const ceiling = rooflineTokensPerSecond(roofline);
  const share = (key: string) => (medians[`${key}`] ?? NaN) / ceiling;
  const tesseraShare = share('decodeTokPerS.tessera');
  const transformersShare = share('decodeTokPerS.transformers');
  Object.assign(medians, {
    bandwidthGBps: roofline.bandwidthGBps,
    decoderBytesPerToken: roofline.bytesPerToken,
    rooflineTokPerS: ceiling,
    'rooflineShare.tessera': tesseraShare,
    'rooflineShare.transformers': transformersShare,
  });
  const pct = (v: number) => (Number.isFinite(v) ? `${(v * 100).toFixed(1)} %` : 'n/a');
  rows.push([
    `decode / roofline (${ceiling.toFixed(0)} tok/s)`,
    pct(tesseraShare),
    pct(transformersShare),
    '',
    rooflineTarget === undefined ? '' : `Tessera ≥ ${(rooflineTarget * 100).toFixed(0)} %`,
    rooflineTarget === undefined ? '' : tesseraShare >= rooflineTarget ? 'met' : 'NOT met',
  ]);
  return {
    medians,
    table: {
      title,
      columns: ['metric (median)', 'Tessera', 'transformers.js', 'Tessera ×', 'target', ''],
      rows,
    },
  };
}
