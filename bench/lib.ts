/** What a benchmark suite is, and the small helpers the suites share (medians, tables, byte sizes). */

export interface Table {
  title: string;
  columns: string[];
  rows: string[][];
}

export interface SuiteResult {
  /** The settings the suite ran with (sizes, run counts, tool versions). */
  params: Record<string, unknown>;
  /** Every measured run, raw. */
  runs: Record<string, unknown>[];
  /** The headline figures (medians over the runs, ratios). */
  medians: Record<string, number>;
  /** What gets printed. */
  tables: Table[];
  notes: string[];
}

export interface Suite {
  name: string;
  description: string;
  /** `argv`: every command-line argument; a suite reads the options it knows and ignores the rest. */
  run(argv: string[], log: (line: string) => void): Promise<SuiteResult>;
}

export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? NaN) : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
}

export function formatTable(table: Table): string {
  const widths = table.columns.map((c, i) =>
    Math.max(c.length, ...table.rows.map((r) => (r[i] ?? '').length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [
    table.title,
    line(table.columns),
    line(widths.map((w) => '-'.repeat(w))),
    ...table.rows.map(line),
  ].join('\n');
}

const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1e3,
  kb: 1e3,
  kib: 2 ** 10,
  m: 1e6,
  mb: 1e6,
  mib: 2 ** 20,
  g: 1e9,
  gb: 1e9,
  gib: 2 ** 30,
};

/** `2GiB`, `256MiB`, `500MB`, `1073741824`. */
export function parseBytes(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = match ? UNITS[(match[2] ?? '').toLowerCase()] : undefined;
  if (!match || unit === undefined) throw new Error(`"${text}" is not a size (try 2GiB, 256MiB, 500MB).`);
  return Math.round(Number(match[1]) * unit);
}

export function formatBytes(bytes: number): string {
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(2)} GiB`;
  if (bytes >= 2 ** 20) return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  if (bytes >= 2 ** 10) return `${(bytes / 2 ** 10).toFixed(1)} KiB`;
  return `${bytes} B`;
}

/** Megabytes (10^6 bytes) per second. */
export const mbPerS = (bytes: number, ms: number) => bytes / 1e6 / (ms / 1000);
