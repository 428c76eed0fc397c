/**
 * Memory bandwidth of this machine, measured in a process of its own. Usage (from the inference suite):
 * node --import tsx bench/bandwidth-child.ts '{"threads":2,"bytesPerThread":1073741824,"reps":3}'
 *
 * Each of `threads` worker threads holds two buffers of `bytesPerThread / 2` (together far larger than the
 * caches; this VM's L3 is 300 MiB) and, all threads started together, reads them `reps` times with two native
 * streaming reads: `scan` (Buffer.indexOf for an absent byte: memchr over both buffers) and `compare`
 * (Buffer.compare of two equal buffers: memcmp). Bandwidth = bytes read by all threads ÷ (last end − first
 * start). `copy` (one thread, Uint8Array.set: memcpy) is reported too, counted as bytes read + written.
 * Prints one JSON line, a BandwidthReport.
 */
import { Worker } from 'node:worker_threads';

export interface BandwidthJob {
  threads: number;
  bytesPerThread: number;
  reps: number;
}

export interface BandwidthReport extends BandwidthJob {
  /** GB/s (10^9 bytes per second) over all threads reading at once. */
  scanGBps: number;
  compareGBps: number;
  /** The higher of the two: what the roofline uses. */
  readGBps: number;
  copyGBps: number;
}

/** The worker's code, plain JavaScript (a worker does not inherit tsx). */
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { bytes, reps } = workerData;
const now = () => performance.timeOrigin + performance.now();
// Non-zero bytes, so every page is really backed (not the shared zero page).
const a = Buffer.alloc(bytes / 2, 7);
const b = Buffer.alloc(bytes / 2, 7);
const probes = {
  scan: () => { if (a.indexOf(1) !== -1 || b.indexOf(1) !== -1) throw new Error('bandwidth: unexpected byte'); },
  compare: () => { if (Buffer.compare(a, b) !== 0) throw new Error('bandwidth: buffers differ'); },
};
probes.scan();
parentPort.on('message', (name) => {
  if (name === 'exit') return process.exit(0);
  const start = now();
  for (let i = 0; i < reps; i++) probes[name]();
  parentPort.postMessage({ start, end: now() });
});
parentPort.postMessage('ready');
`;

const now = () => performance.timeOrigin + performance.now();
const job = JSON.parse(process.argv[2] ?? '{}') as BandwidthJob;
const { threads, bytesPerThread: bytes, reps } = job;
const workers = Array.from(
  { length: threads },
  () => new Worker(WORKER, { eval: true, workerData: { bytes, reps } }),
);
const reply = (w: Worker) =>
  new Promise<{ start: number; end: number }>((resolve) => w.once('message', resolve));
await Promise.all(workers.map(reply));

async function probe(name: 'scan' | 'compare'): Promise<number> {
  const spans = await Promise.all(
    workers.map((w) => {
      const answer = reply(w);
      w.postMessage(name);
      return answer;
    }),
  );
  const seconds = (Math.max(...spans.map((s) => s.end)) - Math.min(...spans.map((s) => s.start))) / 1000;
  return (threads * bytes * reps) / 1e9 / seconds;
}

const scanGBps = await probe('scan');
const compareGBps = await probe('compare');
for (const w of workers) w.postMessage('exit');

const source = Buffer.alloc(bytes / 2, 7);
const target = Buffer.alloc(bytes / 2, 3);
let best = Infinity;
for (let i = 0; i <= reps; i++) {
  const start = now();
  target.set(source);
  if (i > 0) best = Math.min(best, now() - start);
}
const report: BandwidthReport = {
  ...job,
  scanGBps,
  compareGBps,
  readGBps: Math.max(scanGBps, compareGBps),
  copyGBps: bytes / 1e9 / (best / 1000),
};
process.stdout.write(`${JSON.stringify(report)}\n`, () => process.exit(0));
