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
  format: (value: number) => string;
}

const ms = (v: number) => (Number.isFinite(v) ? v.toFixed(v >= 100 ? 0 : 1) : 'n/a');
const perS = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : 'n/a');
const mib = (v: number) => (Number.isFinite(v) ? (v / 2 ** 20).toFixed(0) : 'n/a');

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
    format: ms,
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
    target: 10,
    format: ms,
  },
  {
    key: 'decodeTokPerS',
    label: 'decode, turn 1 (tokens/s)',
    pick: (r) => r.turn1.decodeTokensPerSecond,
    better: 'higher',
    target: 1.5,
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
    format: mib,
  },
];

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
    rows.push([
      metric.label,
      metric.format(tessera),
      metric.format(transformers),
      ratioText(ratio),
      metric.target === undefined ? '' : `≥ ${metric.target}×`,
      metric.target === undefined || !Number.isFinite(ratio)
        ? ''
        : ratio >= metric.target
          ? 'met'
          : 'NOT met',
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
