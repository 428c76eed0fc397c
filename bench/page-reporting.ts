/**
 * Free page reporting in a VM (virtio-balloon): the guest hands the memory it frees back to the host, and the
 * next first touch of that memory costs a host page fault. Writing a 2 GB download into freshly allocated
 * page cache then costs 2–3 CPU s/GB of system time instead of about 0.2, at random, for whichever client
 * happens to write into reported memory. So the downloads suite pauses reporting while it measures, touches
 * enough memory once so later runs find it backed, and restores the old setting afterwards.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, readFileSync, writeFileSync } from 'node:fs';
import { freemem } from 'node:os';
import { formatBytes } from './lib.ts';

const PARAMETERS = '/sys/module/page_reporting/parameters';
const ORDER_FILE = `${PARAMETERS}/page_reporting_order`;
const REPORTED_FILE = `${PARAMETERS}/reported_kib`;

export type PageReportingMode = 'pause' | 'keep';

/** What the suite found and did; goes into the suite's params. */
export interface PageReportingOutcome {
  /** The kernel has the page_reporting module (a VM with free page reporting). */
  found: boolean;
  /** Reporting was stopped for the measured runs. */
  paused: boolean;
  /** page_reporting_order before the suite. */
  order?: number;
  /** The value written to stop reporting. */
  stopOrder?: number;
  preFaultedBytes?: number;
  preFaultMs?: number;
  /** Why it was not paused, or what went wrong. */
  reason?: string;
}

export interface PageReporting {
  outcome: PageReportingOutcome;
  /** Puts the old page_reporting_order back; safe to call more than once. */
  restore(): void;
}

const readNumber = (path: string): number | undefined => {
  try {
    const value = Number(readFileSync(path, 'utf8').trim());
    return Number.isFinite(value) ? value : undefined;
  } catch {
    return undefined;
  }
};

/** KiB the guest has reported to the host so far, or undefined when the kernel has no such counter. */
export const reportedKiB = (): number | undefined => readNumber(REPORTED_FILE);

/**
 * A page_reporting_order that stops reporting: one more than the highest buddy order, that is the number of
 * order columns in /proc/buddyinfo (11 when it cannot be read).
 */
export function stopOrder(): number {
  try {
    const line = readFileSync('/proc/buddyinfo', 'utf8').split('\n')[0] ?? '';
    const columns = line
      .replace(/^.*zone\s+\S+/, '')
      .trim()
      .split(/\s+/)
      .filter(Boolean).length;
    return columns > 0 ? columns : 11;
  } catch {
    return 11;
  }
}

/**
 * Touches `bytes` of memory in a short-lived child process, all of it at once, then exits: the pages it frees
 * are backed by the host again, and with reporting paused they stay so for the runs that reuse them.
 */
function preFault(bytes: number): Promise<number> {
  const script =
    `const keep = []; let left = ${bytes};` +
    `while (left > 0) { const n = Math.min(left, 2 ** 30); keep.push(Buffer.alloc(n).fill(1)); left -= n; }`;
  return new Promise((resolve, reject) => {
    const began = performance.now();
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) =>
      code === 0
        ? resolve(performance.now() - began)
        : reject(new Error(`pre-faulting exited ${code ?? signal}: ${stderr.trim().split('\n').pop()}`)),
    );
  });
}

/**
 * Calls `restore` on SIGINT, SIGTERM and exit while installed, then lets the signal end the process as it
 * would have (unless someone else listens for it too). Returns the function that uninstalls it.
 */
function restoreOnExit(restore: () => void): () => void {
  const safely = () => {
    try {
      restore();
    } catch {
      // Nothing more to do while exiting; the warning is for the ordinary path.
    }
  };
  const onSignal = (signal: NodeJS.Signals) => {
    safely();
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];
  for (const signal of signals) process.once(signal, onSignal);
  process.once('exit', safely);
  return () => {
    for (const signal of signals) process.removeListener(signal, onSignal);
    process.removeListener('exit', safely);
  };
}

/**
 * With `pause`: when this is a VM with free page reporting and the knob is writable, stops reporting,
 * pre-faults `preFaultBytes` (capped to the memory available), and returns how to put it back. With `keep`,
 * or when there is nothing to do, changes nothing. Logs one line when it did something or could not.
 */
export async function pausePageReporting(
  mode: PageReportingMode,
  preFaultBytes: number,
  log: (line: string) => void,
): Promise<PageReporting> {
  const order = readNumber(ORDER_FILE);
  const nothing = (outcome: PageReportingOutcome): PageReporting => ({ outcome, restore: () => {} });
  if (order === undefined) return nothing({ found: false, paused: false });
  if (mode === 'keep') {
    log(
      `left the VM's free page reporting on (--page-reporting keep, page_reporting_order ${order}): ` +
        `figures may include host page faults`,
    );
    return nothing({ found: true, paused: false, order, reason: '--page-reporting keep' });
  }
  const stop = stopOrder();
  if (order >= stop) {
    log(`the VM's free page reporting is already off (page_reporting_order ${order}); left as it is`);
    return nothing({ found: true, paused: false, order, reason: 'already off' });
  }
  try {
    accessSync(ORDER_FILE, constants.W_OK);
    writeFileSync(ORDER_FILE, `${stop}\n`);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    log(
      `warning: cannot pause the VM's free page reporting (${ORDER_FILE}: ${why}; needs root): ` +
        `figures will include host page faults`,
    );
    return nothing({ found: true, paused: false, order, reason: `not writable: ${why}` });
  }
  let restored = false;
  const put = () => {
    if (restored) return;
    restored = true;
    writeFileSync(ORDER_FILE, `${order}\n`);
  };
  const uninstall = restoreOnExit(put);
  const restore = () => {
    uninstall();
    try {
      put();
    } catch (error) {
      log(
        `warning: could not restore page_reporting_order ${order}: ` +
          `${error instanceof Error ? error.message : String(error)}`,
      );
    }
  };
  const bytes = Math.max(0, Math.min(preFaultBytes, freemem() - 2 ** 30));
  const outcome: PageReportingOutcome = { found: true, paused: true, order, stopOrder: stop };
  try {
    const ms = bytes > 0 ? await preFault(bytes) : 0;
    Object.assign(outcome, { preFaultedBytes: bytes, preFaultMs: ms });
    log(
      `paused the VM's free page reporting (page_reporting_order ${order} → ${stop}) and pre-faulted ` +
        `${formatBytes(bytes)} in ${(ms / 1000).toFixed(1)} s; restored afterwards`,
    );
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    outcome.reason = `pre-faulting failed: ${why}`;
    log(
      `paused the VM's free page reporting (page_reporting_order ${order} → ${stop}; restored afterwards) ` +
        `but pre-faulting failed (${why}): the first runs may include host page faults`,
    );
  }
  return { outcome, restore };
}

/** KiB the VM reported to the host since `before` (a reportedKiB() reading), as a run's field. */
export function reportedSince(before: number | undefined): { reportedKiB?: number } {
  const now = reportedKiB();
  return before === undefined || now === undefined ? {} : { reportedKiB: now - before };
}

/** ", the VM reported N MiB to the host" for a run's log line, when it did. */
export const reportedLog = (r: { reportedKiB?: number }) =>
  r.reportedKiB ? `, the VM reported ${(r.reportedKiB / 1024).toFixed(0)} MiB to the host meanwhile` : '';

/** A note when the VM reported freed memory to the host during any run, with how much. */
export function reportingNote(runs: { client: string; reportedKiB?: number }[]): string | undefined {
  const seen = runs.filter((r) => (r.reportedKiB ?? 0) > 0);
  if (seen.length === 0) return undefined;
  const mibOf = (client?: string) =>
    (
      runs.filter((r) => !client || r.client === client).reduce((sum, r) => sum + (r.reportedKiB ?? 0), 0) /
      1024
    ).toFixed(0);
  return (
    `The VM's free page reporting was on: during ${seen.length} of ${runs.length} runs it handed ` +
    `${mibOf()} MiB of freed memory back to the host (curl runs ${mibOf('curl')} MiB, Tessera runs ` +
    `${mibOf('tessera')} MiB). The next first touch of such memory costs a host page fault, charged as system ` +
    `CPU time to whichever process writes into it, so the figures vary at random. ` +
    `--page-reporting pause (as root) stops it for the suite.`
  );
}
